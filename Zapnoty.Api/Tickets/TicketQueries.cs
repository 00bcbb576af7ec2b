using Microsoft.AspNetCore.Mvc;

namespace Zapnoty.Api.Tickets;

/// <summary>The filters the ticket list and its counts share, as the query string names them.</summary>
public interface ITicketFilterQuery
{
    Guid? TypeId { get; }
    string? Priority { get; }
    string? AssigneeId { get; }
    bool? Overdue { get; }
    string? Q { get; }
    string? CustomerExternalId { get; }
    Guid? TagId { get; }
    string? Channel { get; }
    string? CreatedFrom { get; }
    string? CreatedTo { get; }
}

/// <summary>The query of <c>GET .../helpdesk/tickets</c>: the shared filters, <c>status</c>, and a page.</summary>
public sealed record TicketListQuery(
    [FromQuery(Name = "status")] string? Status,
    [FromQuery(Name = "type_id")] Guid? TypeId,
    [FromQuery(Name = "priority")] string? Priority,
    [FromQuery(Name = "assignee_id")] string? AssigneeId,
    [FromQuery(Name = "overdue")] bool? Overdue,
    [FromQuery(Name = "q")] string? Q,
    [FromQuery(Name = "customer_external_id")] string? CustomerExternalId,
    [FromQuery(Name = "tag_id")] Guid? TagId,
    [FromQuery(Name = "limit")] int? Limit,
    [FromQuery(Name = "cursor")] string? Cursor,
    [FromQuery(Name = "channel")] string? Channel = null,
    [FromQuery(Name = "created_from")] string? CreatedFrom = null,
    [FromQuery(Name = "created_to")] string? CreatedTo = null) : ITicketFilterQuery;

/// <summary>The query of <c>GET .../helpdesk/tickets/counts</c>: the shared filters (counts are per status).</summary>
public sealed record TicketCountsQuery(
    [FromQuery(Name = "type_id")] Guid? TypeId,
    [FromQuery(Name = "priority")] string? Priority,
    [FromQuery(Name = "assignee_id")] string? AssigneeId,
    [FromQuery(Name = "overdue")] bool? Overdue,
    [FromQuery(Name = "q")] string? Q,
    [FromQuery(Name = "customer_external_id")] string? CustomerExternalId,
    [FromQuery(Name = "tag_id")] Guid? TagId,
    [FromQuery(Name = "channel")] string? Channel = null,
    [FromQuery(Name = "created_from")] string? CreatedFrom = null,
    [FromQuery(Name = "created_to")] string? CreatedTo = null) : ITicketFilterQuery;
