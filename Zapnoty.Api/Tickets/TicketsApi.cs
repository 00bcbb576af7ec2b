using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.Cluster;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tickets;

public static class TicketsApi
{
    public static IEndpointRouteBuilder MapTicketsApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/v1/projects/{projectId:guid}/helpdesk/tickets").WithTags("Tickets").WithProjectAccess();
        project.MapPost("/", Create).RequireRole(ProjectRole.Support).AcceptsIdempotencyKey();
        project.MapGet("/", List);
        project.MapGet("/counts", Counts);

        var ticket = app.MapGroup("/v1/helpdesk/tickets/{ticketId:guid}").WithTags("Tickets").WithProjectAccess();
        ticket.MapGet("/", Get);
        ticket.MapPatch("/", Edit).RequireRole(ProjectRole.Support).ProducesProblems(StatusCodes.Status409Conflict);
        ticket.MapPost("/replies", Reply).RequireRole(ProjectRole.Support)
            .Produces<Live.StaleReplyProblem>(StatusCodes.Status409Conflict, DocumentedProblems.ProblemJson).ProducesProblems(StatusCodes.Status402PaymentRequired, StatusCodes.Status409Conflict)
            .AcceptsIdempotencyKey();
        ticket.MapReplyWithFiles();
        ticket.MapPost("/notes", Note).RequireRole(ProjectRole.Support)
            .Produces<Live.StaleReplyProblem>(StatusCodes.Status409Conflict, DocumentedProblems.ProblemJson).ProducesProblems(StatusCodes.Status409Conflict);
        ticket.MapPost("/customer-reply", CustomerReply).RequireRole(ProjectRole.Support)
            .ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status429TooManyRequests).AcceptsIdempotencyKey();
        ticket.MapGet("/messages/{messageId:guid}/attachments/{index:int}", AttachmentFilesApi.Download)
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity, StatusCodes.Status502BadGateway);
        ticket.MapGet("/messages", Messages).ProducesProblem(StatusCodes.Status400BadRequest).WithMetadata(new DeprecatedQuery("cursor"));
        return app;
    }

    /// <summary>
    /// Opens a ticket for a website or app customer (channel <c>api</c>). With an
    /// <c>Idempotency-Key</c>, a repeat answers the ticket the key created.
    /// </summary>
    private static async Task<Created<TicketDto>> Create(Guid projectId, CreateTicketRequest body, Caller caller, IGrainFactory grains, TimeProvider clock,
        IdempotencyKeys keys, HttpContext http)
    {
        new Validation()
            .Required(body.Text, "text")
            .Required(body.Customer, "customer")
            .Required(body.Customer?.ExternalId, "customer.external_id")
            .MaxLength(body.Text, TicketLimits.MaxTextLength, "text")
            .MaxLength(body.Subject, TicketLimits.MaxSubjectLength, "subject")
            .MaxLength(body.Customer?.Name, TicketLimits.MaxNameLength, "customer.name")
            .MaxLength(body.Customer?.ExternalId, TicketLimits.MaxExternalIdLength, "customer.external_id")
            .MaxLength(body.Customer?.Email, 254, "customer.email")
            .ThrowIfAny();

        var key = IdempotencyKeyHeader.Of(http);
        var customer = body.Customer!;
        var ticket = await IdempotencyKeyHeader.Replay(http, keys, projectId, key, clock) is { } stored
            ? await grains.GetGrain<ITicketGrain>(stored.TicketId).Summary()
            : await grains.GetGrain<IProjectGrain>(projectId).CreateTicket(new NewTicket(
                Channel.Api, new CustomerIdentity(customer.ExternalId!, customer.Name, customer.Email, null),
                body.Text!, body.Subject, body.TypeId, body.Priority, caller.Actor, Key: key));
        return TypedResults.Created($"/v1/helpdesk/tickets/{ticket.Id}", TicketDto.From(ticket, clock.GetUtcNow(), TeamDirectory.Empty));
    }

    /// <summary>
    /// Tickets newest first. Filters: <c>status</c>, <c>type_id</c>, <c>priority</c>,
    /// <c>assignee_id</c> (a user id, <c>none</c> or <c>me</c>), <c>overdue=true</c>,
    /// <c>q</c> (a number such as <c>#12</c>, or at least 3 characters of subject, customer name or
    /// message text; a search running over 3 s is stopped and answers 400), <c>customer_external_id</c>, <c>tag_id</c>,
    /// <c>channel</c>, and <c>created_from</c> (included) / <c>created_to</c> (excluded): RFC 3339 times.
    /// </summary>
    private static async Task<Ok<TicketPage>> List(Guid projectId, [AsParameters] TicketListQuery query,
        Caller caller, TicketList tickets, IGrainFactory grains, TimeProvider clock, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var filter = FilterOf(projectId, caller, validation, query, query.Status) with { Limit = Paging.Limit(query.Limit, validation) };
        if (filter.Search is not null)
        {
            var after = SearchCursor.Decode(query.Cursor, validation);
            validation.ThrowIfAny();
            return await Search(filter, after, tickets, grains, clock, cancellationToken);
        }
        if (Paging.DecodeNumber(query.Cursor, validation) is { } before) filter = filter with { BeforeNumber = before };
        validation.ThrowIfAny();

        var now = clock.GetUtcNow();
        var page = await tickets.Find(filter with { Limit = filter.Limit + 1 }, now, cancellationToken);
        var team = page.Any(t => t.AssigneeId is not null) ? await TeamDirectory.Of(grains, projectId) : TeamDirectory.Empty;
        var items = page.Take(filter.Limit).Select(t => new TicketListItemDto(TicketDto.From(t, now, team), null)).ToList();
        var next = page.Count > filter.Limit ? Paging.Encode(items[^1].Number.ToString()) : null;
        return TypedResults.Ok(new TicketPage(items, next));
    }

    /// <summary>The list under <c>q</c>: best place first (number, subject, customer, message), newest first within a place.</summary>
    private static async Task<Ok<TicketPage>> Search(TicketFilter filter, SearchPosition? after, TicketList tickets,
        IGrainFactory grains, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var page = await tickets.Search(filter with { Limit = filter.Limit + 1 }, after, now, cancellationToken);
        var team = page.Any(h => h.Ticket.AssigneeId is not null) ? await TeamDirectory.Of(grains, filter.ProjectId) : TeamDirectory.Empty;
        var shown = page.Take(filter.Limit).ToList();
        var items = shown.Select(h => new TicketListItemDto(TicketDto.From(h.Ticket, now, team), SearchCursor.Match(h))).ToList();
        var next = page.Count > filter.Limit ? SearchCursor.Encode(shown[^1]) : null;
        return TypedResults.Ok(new TicketPage(items, next));
    }

    /// <summary>
    /// How many tickets are in each status (<c>new</c>, <c>in_progress</c>, <c>waiting</c>,
    /// <c>closed</c>) and how many of them are <c>overdue</c>, under the list's other filters:
    /// <c>type_id</c>, <c>priority</c>, <c>assignee_id</c>, <c>overdue</c>, <c>q</c>, <c>customer_external_id</c>;
    /// and the open tickets per assignee (<c>assignees</c>, <c>unassigned</c>, <c>mine</c>). Exact under
    /// no filter but <c>assignee_id</c> and <c>overdue</c>; under the others each figure stops at 1,000
    /// and <c>capped</c> names those that did.
    /// </summary>
    private static async Task<Ok<TicketCountsDto>> Counts(Guid projectId, [AsParameters] TicketCountsQuery query,
        Caller caller, TicketList tickets, TimeProvider clock, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var filter = FilterOf(projectId, caller, validation, query, status: null);
        validation.ThrowIfAny();
        var counts = await tickets.Count(filter, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(TicketCountsDto.From(counts, caller.UserId));
    }

    /// <summary>
    /// The ticket with its latest 50 messages (oldest first) and its history. When it has older
    /// messages, <c>earlier_messages_before</c> names the message to pass as <c>before</c> to
    /// <c>GET .../messages</c> (<c>earlier_messages_cursor</c>, for <c>cursor</c>, is deprecated).
    /// </summary>
    private static async Task<Ok<TicketDetailsDto>> Get(Guid ticketId, IGrainFactory grains, TimeProvider clock)
    {
        var details = await grains.GetGrain<ITicketGrain>(ticketId).Get();
        var oldestShown = details.HasEarlierMessages ? details.Messages[0] : null;
        return TypedResults.Ok(new TicketDetailsDto(
            TicketDto.From(details.Ticket, clock.GetUtcNow(), await TeamDirectory.Of(grains, details.Ticket.ProjectId)),
            details.Messages.Select(MessageDto.From).ToList(),
            details.History.Select(HistoryDto.Of).ToList(),
            oldestShown?.Id, oldestShown is null ? null : Paging.Encode(oldestShown.Id.ToString())));
    }

    /// <summary>
    /// A page of the ticket's messages: up to <c>limit</c> (1–200, default 50) sent before message
    /// <c>before</c> (the latest ones without it), oldest first. <c>next_before</c> names the oldest
    /// of them when older messages exist (pass it as <c>before</c> for the page before); null at the
    /// first message. A <c>before</c> that is no message of this ticket answers 400.
    /// <c>cursor</c> (with <c>next_cursor</c>) is the deprecated form of <c>before</c>, kept for one release.
    /// </summary>
    private static async Task<Ok<MessagePageDto>> Messages(Guid ticketId, IGrainFactory grains, int? limit, string? before, string? cursor)
    {
        var validation = new Validation();
        var pageSize = Paging.Limit(limit, validation);
        var (anchor, field) = (before, "before");
        if (before is null && Paging.Decode(cursor, validation) is { } position) (anchor, field) = (position, "cursor");
        Guid? beforeId = null;
        if (anchor is not null)
        {
            if (Guid.TryParse(anchor, out var messageId)) beforeId = messageId;
            else validation.Add(field, field == "cursor" ? "The cursor is not one this API handed out." : "before must be a message id.");
        }
        validation.ThrowIfAny();
        var page = await grains.GetGrain<ITicketGrain>(ticketId).Messages(beforeId, pageSize)
            ?? throw DomainException.Invalid(field, $"Message {beforeId} is not a message of this ticket.");
        var oldestShown = page.HasEarlier ? page.Items[0].Id : (Guid?)null;
        return TypedResults.Ok(new MessagePageDto(page.Items.Select(MessageDto.From).ToList(),
            oldestShown, oldestShown is { } id ? Paging.Encode(id.ToString()) : null));
    }

    /// <summary>Changes status, priority, assignee and/or type; each change is one history entry.</summary>
    private static async Task<Ok<TicketDto>> Edit(Guid ticketId, TicketPatch body, Caller caller, IGrainFactory grains, TimeProvider clock)
    {
        var ticket = await grains.GetGrain<ITicketGrain>(ticketId).Edit(new TicketEdit(
            caller.Actor, body.Status, body.Priority, body.HasAssignee, body.AssigneeId, body.HasType, body.TypeId));
        return TypedResults.Ok(TicketDto.From(ticket, clock.GetUtcNow(), await TeamDirectory.Of(grains, ticket.ProjectId)));
    }

    /// <summary>
    /// An agent's reply to the customer: <c>text</c>, or <c>canned_reply_id</c> to send that canned
    /// reply filled in exactly as its render route fills it in (exactly one of the two). With an
    /// <c>Idempotency-Key</c>, a repeat answers the reply the key stored and spends no credit.
    /// </summary>
    private static async Task<Created<MessageDto>> Reply(Guid ticketId, ReplyRequest body, Caller caller, IGrainFactory grains,
        IdempotencyKeys keys, TicketStore messages, TimeProvider clock, HttpContext http)
    {
        var validation = new Validation();
        if ((body.Text is null) == (body.CannedReplyId is null))
        {
            const string exactlyOne = "Send exactly one of text and canned_reply_id.";
            validation.Add("text", exactlyOne).Add("canned_reply_id", exactlyOne);
        }
        else if (body.Text is not null)
            validation.Required(body.Text, "text").MaxLength(body.Text, TicketLimits.MaxTextLength, "text");
        validation.ThrowIfAny();
        var key = IdempotencyKeyHeader.Of(http);
        if (await Replayed(http, keys, messages, caller, ticketId, key, clock) is { } replayed)
            return TypedResults.Created($"/v1/helpdesk/tickets/{ticketId}", MessageDto.From(replayed));

        // Filled in by the project, which holds the canned replies, with the ticket the access check read.
        var text = body.Text ?? await grains.GetGrain<IProjectGrain>(caller.ProjectId).RenderCannedReply(body.CannedReplyId!.Value, caller.Ticket!, caller.Actor)
            ?? throw DomainException.Invalid("canned_reply_id", $"Canned reply {body.CannedReplyId} does not exist in this project.");
        var tagIds = body.CannedReplyId is { } cannedReplyId ? await Tags.CannedReplyTags.Of(grains, caller, cannedReplyId) : null;
        var message = await grains.GetGrain<ITicketGrain>(ticketId).Reply(new AgentReply(caller.Actor, text, key,
            ExpectedLastMessageId: body.ExpectedLastMessageId, TagIds: tagIds));
        return TypedResults.Created($"/v1/helpdesk/tickets/{ticketId}", MessageDto.From(message));
    }

    /// <summary>
    /// An internal note for the team (<c>internal: true</c>): never sent to the customer, costs no
    /// credit, changes neither the status nor <c>first_reply_at</c>. Members it mentions
    /// (<c>@anna@example.com</c>, <c>@"Anna K"</c>, <c>@anna</c>) are notified. Emits <c>ticket.note_added</c>.
    /// With <c>expected_last_message_id</c>, a newer message answers 409 with <c>newer_messages</c>.
    /// </summary>
    private static async Task<Created<MessageDto>> Note(Guid ticketId, NoteRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Text, "text").MaxLength(body.Text, TicketLimits.MaxTextLength, "text").ThrowIfAny();
        var message = await grains.GetGrain<ITicketGrain>(ticketId).Note(new AgentNote(caller.Actor, body.Text!, body.ExpectedLastMessageId));
        return TypedResults.Created($"/v1/helpdesk/tickets/{ticketId}", MessageDto.From(message));
    }

    /// <summary>
    /// The customer's answer, for website/app customers: only on tickets of the <c>api</c> channel
    /// (a Telegram or Max ticket answers 409; its customer writes in the messenger). A closed ticket
    /// answers 409. The message's <c>agent_id</c> records the person or API key that posted it.
    /// </summary>
    private static async Task<Created<MessageDto>> CustomerReply(Guid ticketId, CustomerReplyRequest body, Caller caller, IGrainFactory grains,
        IdempotencyKeys keys, TicketStore messages, TimeProvider clock, HttpContext http)
    {
        new Validation().Required(body.Text, "text").MaxLength(body.Text, TicketLimits.MaxTextLength, "text").ThrowIfAny();
        var key = IdempotencyKeyHeader.Of(http);
        var message = await Replayed(http, keys, messages, caller, ticketId, key, clock)
            ?? await grains.GetGrain<ITicketGrain>(ticketId).AddCustomerMessage(new CustomerMessage(body.Text!, PostedBy: caller.Actor, Key: key));
        return TypedResults.Created($"/v1/helpdesk/tickets/{ticketId}", MessageDto.From(message));
    }

    /// <summary>The message a client's <c>Idempotency-Key</c> already stored on this ticket, or null (both bodies of the replies route).</summary>
    internal static async Task<MessageView?> Replayed(HttpContext http, IdempotencyKeys keys, TicketStore messages, Caller caller, Guid ticketId,
        WriteKey key, TimeProvider clock) =>
        await IdempotencyKeyHeader.Replay(http, keys, caller.ProjectId, key, clock) is { MessageId: { } messageId }
            ? await messages.Message(ticketId, messageId, null, http.RequestAborted)
            : null;

    /// <summary>The list's filters from the query string; what is wrong goes into <paramref name="validation"/>.</summary>
    private static TicketFilter FilterOf(Guid projectId, Caller caller, Validation validation, ITicketFilterQuery query, string? status)
    {
        var (priority, assigneeId, q) = (query.Priority, query.AssigneeId, query.Q);
        var filter = new TicketFilter(projectId, TypeId: query.TypeId, OverdueOnly: query.Overdue ?? false, CustomerExternalId: query.CustomerExternalId,
            TagId: query.TagId);
        if (!string.IsNullOrWhiteSpace(q))
        {
            filter = filter with { Search = TicketSearch.Parse(q, out var problem) };
            if (problem is not null) validation.Add("q", problem);
        }
        if (status is not null)
            filter = WireNames.TryParseWire<TicketStatus>(status, out var s) ? filter with { Status = s }
                : Invalid(validation, "status", status, WireNames.All<TicketStatus>(), filter);
        if (priority is not null)
            filter = WireNames.TryParseWire<TicketPriority>(priority, out var p) ? filter with { Priority = p }
                : Invalid(validation, "priority", priority, WireNames.All<TicketPriority>(), filter);
        if (query.Channel is { } channel)
            filter = WireNames.TryParseWire<Channel>(channel, out var c) ? filter with { Channel = c }
                : Invalid(validation, "channel", channel, WireNames.All<Channel>(), filter);
        filter = filter with { CreatedFrom = Time(query.CreatedFrom, "created_from", validation), CreatedBefore = Time(query.CreatedTo, "created_to", validation) };
        if (filter.CreatedFrom > filter.CreatedBefore) validation.Add("created_from", "created_from must not be after created_to.");
        switch (assigneeId)
        {
            case null: break;
            case "none": filter = filter with { Unassigned = true }; break;
            case "me" when caller.UserId is { } me: filter = filter with { AssigneeId = me }; break;
            case "me": validation.Add("assignee_id", "'me' needs a session; an API key is nobody."); break;
            default:
                if (Guid.TryParse(assigneeId, out var assignee)) filter = filter with { AssigneeId = assignee };
                else validation.Add("assignee_id", "assignee_id is a user id, 'none' or 'me'.");
                break;
        }
        return filter;
    }

    // A time with its offset (2026-03-01T00:00:00+03:00 or ...Z), as in every other field of the API.
    private static DateTimeOffset? Time(string? value, string field, Validation validation)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParseExact(value, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            && (value.EndsWith('Z') || value.Length > 6 && value[^6] is '+' or '-'))
            return time.ToUniversalTime();
        validation.Add(field, $"{field} must be an RFC 3339 time with an offset, such as 2026-03-01T00:00:00Z.");
        return null;
    }

    private static TicketFilter Invalid(Validation validation, string field, string value, IEnumerable<string> allowed, TicketFilter filter)
    {
        validation.Add(field, $"'{value}' is not one of: {string.Join(", ", allowed)}.");
        return filter;
    }
}
