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
/// The ticket with its latest messages and its history, oldest first. <c>earlier_messages_cursor</c>
/// is set when older messages exist: pass it as <c>cursor</c> to <c>GET /v1/helpdesk/tickets/{ticketId}/messages</c>.
/// </summary>
public sealed record TicketDetailsDto : TicketDto
{
    public TicketDetailsDto(TicketDto ticket, IReadOnlyList<MessageDto> messages, IReadOnlyList<HistoryDto> history, string? earlierMessagesCursor)
        : base(ticket)
    {
        Messages = messages;
        History = history;
        EarlierMessagesCursor = earlierMessagesCursor;
    }

    public IReadOnlyList<MessageDto> Messages { get; }
    public IReadOnlyList<HistoryDto> History { get; }
    public string? EarlierMessagesCursor { get; }
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

/// <summary>An agent's reply: its <c>text</c>, or a <c>canned_reply_id</c> to send filled in for this ticket (exactly one).</summary>
public sealed record ReplyRequest(string? Text, Guid? CannedReplyId);

public sealed record CustomerReplyRequest(string? Text);

/// <summary>Tickets per status under the list's filters, and how many of them are overdue.</summary>
public sealed record TicketCountsDto(int New, int InProgress, int Waiting, int Closed, int Overdue);
