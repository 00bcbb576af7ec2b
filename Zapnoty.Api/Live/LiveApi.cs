using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Live;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Live;

/// <summary>Live updates (server-sent events) and presence on tickets.</summary>
public static class LiveApi
{
    public static IServiceCollection AddZapnotyLive(this IServiceCollection services)
    {
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section)
            .Validate(o => o.IsValid, $"{LiveOptions.Section}: periods must be positive and every limit at least 1.").ValidateOnStart();
        services.AddSingleton<LiveEventStore>();
        services.AddSingleton<IProblemDetailsWriter, EventStreamProblems>();
        services.AddSingleton<LiveStreamSlots>();
        services.AddSingleton<LiveFeeds>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveFeeds>());
        return services;
    }

    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/projects/{projectId:guid}/events", Events).WithTags("Live").WithProjectAccess()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status429TooManyRequests);
        app.MapPost("/v1/helpdesk/tickets/{ticketId:guid}/presence", Presence).WithTags("Live").WithProjectAccess().RequireSession()
            .ProducesProblems(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>
    /// The project's changes as they happen, as server-sent events (<c>text/event-stream</c>):
    /// <c>ticket.created</c>, <c>ticket.updated</c> (status, priority, assignee, SLA breach) and
    /// <c>message.created</c> carry the ticket (and the message or change) exactly as the matching
    /// webhook's <c>data</c>, plus its <c>type</c>; <c>counts</c> follows changes with the tickets per
    /// status; <c>presence</c> says who is viewing or typing on a ticket. Every event's <c>id</c> is a
    /// position in the project's stream: reconnect with <c>Last-Event-ID</c> to receive exactly the
    /// events missed since, in order. <c>reset</c> means they cannot be replayed (too many missed,
    /// or the client read too slowly): load the state again and continue. An idle stream gets a
    /// <c>heartbeat</c> (no data) every 15 s; a caller who lost access is disconnected then.
    /// A person may hold 5 streams open per project, across all servers (and 5 on one server); more answer 429.
    /// </summary>
    private static async Task<ServerSentEventsResult<string>> Events(Guid projectId, [FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        Caller caller, HttpContext http, IServiceProvider services, IOptions<LiveOptions> options)
    {
        long? resumeAfter = null;
        if (!string.IsNullOrEmpty(lastEventId))
            resumeAfter = long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
                ? seq
                : throw DomainException.Invalid("Last-Event-ID", "Last-Event-ID is the id of an event this stream sent (a number).");

        var person = caller.UserId ?? caller.Credential.Id;
        var slots = services.GetRequiredService<LiveStreamSlots>();
        if (!slots.TryTake(person, options.Value.StreamsPerPerson))
            throw DomainException.TooManyRequests(
                $"You have {options.Value.StreamsPerPerson} event streams open on this server; close one (a dashboard tab) first.", TimeSpan.FromSeconds(5));
        // The same cap across the cluster, counted by the project's hub: tabs spread over silos hold no more.
        var lease = new LiveStreamLease(services.GetRequiredService<IGrainFactory>().GetGrain<ILiveHubGrain>(projectId), person, options.Value,
            services.GetRequiredService<ILogger<LiveStreamLease>>());
        if (!await lease.Take())
        {
            slots.Release(person);
            throw DomainException.TooManyRequests(
                $"You have {options.Value.StreamsPerPerson} event streams open in this project; close one (a dashboard tab) first.", TimeSpan.FromSeconds(5));
        }

        // The credential is checked again on every heartbeat, through its grain (the secret's hash names it).
        var secret = http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        var stream = new LiveStream(projectId, resumeAfter, person, Credentials.GrainKey(secret),
            services.GetRequiredService<LiveFeeds>(), slots, lease, services.GetRequiredService<LiveEventStore>(),
            services.GetRequiredService<TicketList>(), services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<TimeProvider>());
        http.Response.RegisterForDisposeAsync(stream);
        // Proxies must pass events on at once rather than buffer the response.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(stream.Run(http.RequestAborted));
    }

    /// <summary>
    /// A heartbeat of the caller on the ticket: <c>viewing</c> (the dashboard sends it every 5 s while
    /// the ticket is open) or <c>typing</c> (every 3 s while a reply is being typed; support role and
    /// above). It lasts 15 s (typing 6 s) unless renewed, and reaches the project's streams as
    /// <c>presence</c>. While an agent types, a Telegram or Max customer sees "typing…" (at most every 4.5 s).
    /// Presence is kept in memory only.
    /// </summary>
    private static async Task<NoContent> Presence(Guid ticketId, PresenceRequest body, Caller caller, IGrainFactory grains)
    {
        if (!WireNames.TryParseWire<PresenceState>(body.State, out var state))
            throw DomainException.Invalid("state", $"state is one of: {string.Join(", ", WireNames.All<PresenceState>())}.");
        if (state == PresenceState.Typing && caller.Role < ProjectRole.Support)
            throw DomainException.Forbidden($"Typing a reply needs the support role or above; you are {caller.Role.Wire()}.");
        await grains.GetGrain<ILiveHubGrain>(caller.ProjectId).Beat(new PresenceBeat(ticketId, caller.UserId!.Value, state,
            state == PresenceState.Typing ? caller.Ticket?.Route : null));
        return TypedResults.NoContent();
    }
}

/// <summary>A presence heartbeat: <c>state</c> is <c>viewing</c> or <c>typing</c>.</summary>
public sealed record PresenceRequest(string? State);

/// <summary>409 of a reply whose <c>expected_last_message_id</c> is no longer the latest: the messages written since, oldest first.</summary>
public sealed class StaleReplyProblem : ProblemDetails
{
    [System.Text.Json.Serialization.JsonPropertyName("newer_messages")]
    public IReadOnlyList<MessageDto> NewerMessages { get; init; } = [];
}
