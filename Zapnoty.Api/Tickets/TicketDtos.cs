using System.Text.Json.Serialization;
using Zapnoty.Grains;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tickets;

public sealed record CustomerDto(Guid Id, string? Name, string ExternalId, string? Email, string? Username);

/// <summary>Due times as stored; the overdue flags are computed from them at the moment of the answer.</summary>
public sealed record SlaDto(DateTime? FirstReplyDueAt, DateTime? ResolveDueAt, bool FirstReplyOverdue, bool ResolveOverdue);

/// <summary>Who a ticket is assigned to; <c>former_member</c> once they were removed from the project.</summary>
public sealed record AssigneeDto(Guid UserId, string? Email, bool FormerMember);

public record TicketDto(
    Guid Id, Guid ProjectId, long Number, string Subject, TicketStatus Status, TicketPriority Priority,
    Guid? TypeId, string? TypeName, Guid? AssigneeId, AssigneeDto? Assignee, Channel Channel, CustomerDto Customer,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? FirstReplyAt, DateTime? ClosedAt, SlaDto Sla)
{
    public static TicketDto From(TicketView t, DateTimeOffset now, TeamDirectory team) => new(
        t.Id, t.ProjectId, t.Number, t.Subject, t.Status, t.Priority, t.TypeId, t.TypeName, t.AssigneeId, team.Assignee(t.AssigneeId), t.Channel,
        new CustomerDto(t.Customer.Id, t.Customer.Name, t.Customer.ExternalId, t.Customer.Email, t.Customer.Username),
        t.CreatedAt.UtcDateTime, t.UpdatedAt.UtcDateTime, t.FirstReplyAt?.UtcDateTime, t.ClosedAt?.UtcDateTime,
        new SlaDto(t.FirstReplyDueAt?.UtcDateTime, t.ResolveDueAt?.UtcDateTime,
            FirstReplyOverdue: t.FirstReplyAt is null && t.FirstReplyDueAt < now,
            ResolveOverdue: t.ClosedAt is null && t.ResolveDueAt < now));
}

public sealed record MessageDto(Guid Id, MessageAuthor Author, Guid? AgentId, string Text, DateTime CreatedAt, Delivery Delivery, string? DeliveryError)
{
    public static MessageDto From(MessageView m) => new(m.Id, m.Author, m.AgentId, m.Text, m.CreatedAt.UtcDateTime, m.Delivery, m.DeliveryError);
}

public sealed record ActorDto(ActorKind Kind, string? Id);

public sealed record HistoryDto(DateTime At, ActorDto Actor, string Field, string? From, string? To)
{
    public static HistoryDto Of(HistoryEntry h) => new(h.At.UtcDateTime, new ActorDto(h.Actor.Kind, h.Actor.Id), h.Field, h.From, h.To);
}

/// <summary>The ticket with its conversation and its history, oldest first.</summary>
public sealed record TicketDetailsDto : TicketDto
{
    public TicketDetailsDto(TicketDto ticket, IReadOnlyList<MessageDto> messages, IReadOnlyList<HistoryDto> history) : base(ticket)
    {
        Messages = messages;
        History = history;
    }

    public IReadOnlyList<MessageDto> Messages { get; }
    public IReadOnlyList<HistoryDto> History { get; }
}

public sealed record CustomerRequest(string? ExternalId, string? Name, string? Email);

public sealed record CreateTicketRequest(string? Text, string? Subject, Guid? TypeId, TicketPriority? Priority, CustomerRequest? Customer);

/// <summary>Only the fields present change; <c>assignee_id</c> and <c>type_id</c> may be null to clear them.</summary>
public sealed class TicketPatch
{
    private Guid? _assignee;
    private Guid? _type;

    public TicketStatus? Status { get; init; }
    public TicketPriority? Priority { get; init; }
    public Guid? AssigneeId { get => _assignee; init { _assignee = value; HasAssignee = true; } }
    public Guid? TypeId { get => _type; init { _type = value; HasType = true; } }

    [JsonIgnore] public bool HasAssignee { get; private init; }
    [JsonIgnore] public bool HasType { get; private init; }
}

public sealed record ReplyRequest(string? Text);
