using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Customers;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Customers;

/// <summary>The team's notes about the customer; null or blank clears them.</summary>
public sealed record CustomerNotesPatch(string? Notes);

/// <summary>A customer: the channel they write through, who they are there, and when they first wrote.</summary>
public sealed record CustomerSummaryDto(Guid Id, Channel Channel, string ExternalId, string? Name, string? Username, string? Email,
    DateTime FirstContactAt, string? UnreachableReason)
{
    public static CustomerSummaryDto From(CustomerSummary c) =>
        new(c.Id, c.Channel, c.ExternalId, c.Name, c.Username, c.Email, c.FirstContactAt.UtcDateTime, c.UnreachableReason);
}

/// <summary>
/// The customer with the team's <c>notes</c> and their <c>tickets</c> in this project, open ones
/// first, then newest (up to 100; <c>more_tickets</c> when there are more).
/// </summary>
public sealed record CustomerProfileDto(Guid Id, Channel Channel, string ExternalId, string? Name, string? Username, string? Email,
    DateTime FirstContactAt, string? UnreachableReason, string? Notes, IReadOnlyList<TicketDto> Tickets, bool MoreTickets);

public static class CustomersApi
{
    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/customers").WithTags("Customers").WithProjectAccess();
        api.MapGet("/", List);
        api.MapGet("/{customerId:guid}", Get);
        api.MapPatch("/{customerId:guid}", ChangeNotes).RequireRole(ProjectRole.Support);
        return app;
    }

    /// <summary>
    /// The project's customers, newest first; <c>q</c> (at least 3 characters) finds a part of the
    /// name, the username or the external id (the messenger's user id, or yours for website customers).
    /// </summary>
    private static async Task<Ok<Page<CustomerSummaryDto>>> List(Guid projectId, string? q, int? limit, string? cursor,
        CustomerDirectory directory, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        var text = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (text is not null && text.Length < CustomerLimits.MinSearchLength)
            validation.Add("q", $"Search with at least {CustomerLimits.MinSearchLength} characters.");
        validation.MaxLength(text, 200, "q");
        CustomerPosition? after = null;
        if (Paging.Decode(cursor, validation) is { } position)
        {
            var parts = position.Split('|');
            if (parts.Length == 2 && long.TryParse(parts[0], out var ticks) && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParse(parts[1], out var id))
                after = new CustomerPosition(new DateTimeOffset(ticks, TimeSpan.Zero), id);
            else validation.Add("cursor", "The cursor is not one this API handed out.");
        }
        validation.ThrowIfAny();

        var found = await directory.Find(projectId, text, after, take + 1, cancellationToken);
        var items = found.Take(take).ToList();
        var next = found.Count > take ? Paging.Encode($"{items[^1].FirstContactAt.UtcTicks}|{items[^1].Id}") : null;
        return TypedResults.Ok(new Page<CustomerSummaryDto>(items.Select(CustomerSummaryDto.From).ToList(), next));
    }

    /// <summary>The customer with the team's notes and all their tickets here, open ones first. Another project's customer: 404.</summary>
    private static async Task<Ok<CustomerProfileDto>> Get(Guid projectId, Guid customerId, CustomerDirectory directory, IGrainFactory grains,
        TimeProvider clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await Profile(projectId, customerId, directory, grains, clock, cancellationToken));

    /// <summary>Replaces the team's <c>notes</c> about the customer (at most 4,096 characters); answers the profile.</summary>
    private static async Task<Ok<CustomerProfileDto>> ChangeNotes(Guid projectId, Guid customerId, CustomerNotesPatch body, Caller caller,
        CustomerDirectory directory, IGrainFactory grains, TimeProvider clock, CancellationToken cancellationToken)
    {
        new Validation().MaxLength(body.Notes, CustomerLimits.MaxNotesLength, "notes").ThrowIfAny();
        await grains.GetGrain<ICustomerGrain>(customerId).ChangeNotes(projectId, caller.Actor, body.Notes);
        return TypedResults.Ok(await Profile(projectId, customerId, directory, grains, clock, cancellationToken));
    }

    private static async Task<CustomerProfileDto> Profile(Guid projectId, Guid customerId, CustomerDirectory directory, IGrainFactory grains,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var profile = await directory.Profile(projectId, customerId, cancellationToken)
            ?? throw DomainException.NotFound($"Customer {customerId} does not exist in this project.");
        var team = profile.Tickets.Any(t => t.AssigneeId is not null) ? await TeamDirectory.Of(grains, projectId) : TeamDirectory.Empty;
        var now = clock.GetUtcNow();
        var c = CustomerSummaryDto.From(profile.Customer);
        return new CustomerProfileDto(c.Id, c.Channel, c.ExternalId, c.Name, c.Username, c.Email, c.FirstContactAt, c.UnreachableReason,
            profile.Notes, profile.Tickets.Select(t => TicketDto.From(t, now, team)).ToList(), profile.MoreTickets);
    }
}
