using System.Text.Json.Serialization;
using Zapnoty.Grains;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tickets;

public sealed record ActorDto(ActorKind Kind, string? Id);

public sealed record HistoryDto(DateTime At, ActorDto Actor, string Field, string? From, string? To)
{
    public static HistoryDto Of(HistoryEntry h) => new(h.At.UtcDateTime, new ActorDto(h.Actor.Kind, h.Actor.Id), h.Field, h.From, h.To);
}

/// <summary>
/// The ticket with its latest messages and its history, oldest first. <c>earlier_messages_before</c>
/// is set when older messages exist: pass it as <c>before</c> to <c>GET /v1/helpdesk/tickets/{ticketId}/messages</c>.
/// </summary>
public sealed record TicketDetailsDto : TicketDto
{
    public TicketDetailsDto(TicketDto ticket, IReadOnlyList<MessageDto> messages, IReadOnlyList<HistoryDto> history,
        Guid? earlierMessagesBefore, string? earlierMessagesCursor)
        : base(ticket)
    {
        Messages = messages;
        History = history;
        EarlierMessagesBefore = earlierMessagesBefore;
        _earlierMessagesCursor = earlierMessagesCursor;
    }

    private readonly string? _earlierMessagesCursor;

    public IReadOnlyList<MessageDto> Messages { get; }
    public IReadOnlyList<HistoryDto> History { get; }

    /// <summary>The oldest message shown, when older ones exist: the <c>before</c> of the page before these.</summary>
    public Guid? EarlierMessagesBefore { get; }

    /// <summary>Deprecated (kept for one release): the same position as a <c>cursor</c>; use <c>earlier_messages_before</c>.</summary>
    [Obsolete("Use EarlierMessagesBefore; cursor paging of messages is kept for one release.")]
    public string? EarlierMessagesCursor => _earlierMessagesCursor;
}

/// <summary>
/// Messages oldest first. <c>next_before</c> is the oldest of them when older ones exist (the
/// <c>before</c> of the page before); <c>next_cursor</c> is its deprecated form.
/// </summary>
public sealed record MessagePageDto(
    IReadOnlyList<MessageDto> Items,
    Guid? NextBefore,
    [property: Obsolete("Use NextBefore; cursor paging of messages is kept for one release.")] string? NextCursor);

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

/// <summary>An agent's reply: its <c>text</c>, or a <c>canned_reply_id</c> to send filled in for this ticket (exactly one).</summary>
/// <param name="Text">The reply's text (or send <c>canned_reply_id</c>).</param>
/// <param name="CannedReplyId">A canned reply to send, filled in.</param>
/// <param name="ExpectedLastMessageId">The latest message the agent saw; when newer ones exist the reply is refused with 409 and <c>newer_messages</c>.</param>
public sealed record ReplyRequest(string? Text, Guid? CannedReplyId, Guid? ExpectedLastMessageId = null);

public sealed record CustomerReplyRequest(string? Text);

/// <summary>
/// An internal note: its <c>text</c> (1–4096 characters), seen by the team only;
/// <c>expected_last_message_id</c> as on replies (409 with <c>newer_messages</c> when a newer message came).
/// </summary>
public sealed record NoteRequest(string? Text, Guid? ExpectedLastMessageId = null);

/// <summary>
/// Tickets per status under the list's filters, and how many of them are overdue. Under filters
/// other than <c>assignee_id</c> and <c>overdue</c> each figure stops at 1,000: <c>capped</c> names
/// those that did (they mean "1,000 or more"). <c>assignees</c>, <c>unassigned</c> and <c>mine</c>
/// count the open tickets of the whole project, whatever the filters.
/// </summary>
public sealed record TicketCountsDto(int New, int InProgress, int Waiting, int Closed, int Overdue,
    IReadOnlyList<AssigneeCountDto> Assignees, int Unassigned, int? Mine, IReadOnlyList<string> Capped)
{
    /// <summary>The counts as the caller sees them: <c>mine</c> is null for an API key, which is nobody.</summary>
    public static TicketCountsDto From(TicketCounts counts, Guid? me) => new(counts.New, counts.InProgress, counts.Waiting, counts.Closed, counts.Overdue,
        counts.Assignees.Select(a => new AssigneeCountDto(a.AssigneeId, a.Open)).ToList(), counts.Unassigned,
        me is { } user ? counts.Assignees.FirstOrDefault(a => a.AssigneeId == user)?.Open ?? 0 : null,
        counts.Capped);
}

/// <summary>How many open tickets one person (<c>assignee_id</c>, a user id) is assigned.</summary>
public sealed record AssigneeCountDto(Guid AssigneeId, int Open);

/// <summary>Where a search (<c>q</c>) found a ticket of the list.</summary>
public enum SearchField { Number, Subject, Customer, Message }

/// <summary>
/// Where <c>q</c> matched: the ticket's <c>number</c>, its <c>subject</c>, its <c>customer</c>'s name
/// or username, or a <c>message</c>: then <c>message_id</c> is the newest matching one and
/// <c>snippet</c> plain text around the words found.
/// </summary>
public sealed record SearchMatchDto(SearchField Field, Guid? MessageId, string? Snippet);

/// <summary>A ticket of the list; <c>match</c> says where a search found it (null without <c>q</c>).</summary>
public sealed record TicketListItemDto : TicketDto
{
    public TicketListItemDto(TicketDto ticket, SearchMatchDto? match) : base(ticket) => Match = match;

    public SearchMatchDto? Match { get; }
}
