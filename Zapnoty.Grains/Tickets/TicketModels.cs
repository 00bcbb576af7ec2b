using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Csat;

namespace Zapnoty.Grains.Tickets;

/// <summary>Where a messenger ticket's replies go: the bot (our id) and the chat.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.ChatRoute")]
public sealed record ChatRoute([property: Id(0)] Guid BotId, [property: Id(1)] string ChatId);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.CustomerView")]
public sealed record CustomerView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string ExternalId,
    [property: Id(2)] string? Name,
    [property: Id(3)] string? Email,
    [property: Id(4)] string? Username,
    [property: Id(5)] string? UnreachableReason = null);

/// <summary>One ticket as stored; SLA overdue flags are derived from the due times when shown.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.TicketView")]
public sealed record TicketView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ProjectId,
    [property: Id(2)] long Number,
    [property: Id(3)] string Subject,
    [property: Id(4)] TicketStatus Status,
    [property: Id(5)] TicketPriority Priority,
    [property: Id(6)] Guid? TypeId,
    [property: Id(7)] string? TypeName,
    [property: Id(8)] Guid? AssigneeId,
    [property: Id(9)] Channel Channel,
    [property: Id(10)] CustomerView Customer,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset UpdatedAt,
    [property: Id(13)] DateTimeOffset? FirstReplyAt,
    [property: Id(14)] DateTimeOffset? ClosedAt,
    [property: Id(15)] DateTimeOffset? FirstReplyDueAt,
    [property: Id(16)] DateTimeOffset? ResolveDueAt,
    [property: Id(17)] int Version,
    [property: Id(18)] ChatRoute? Route = null,
    [property: Id(19)] DateTimeOffset? FirstReplyBreachedAt = null,
    [property: Id(20)] DateTimeOffset? ResolveBreachedAt = null,
    [property: Id(21)] IReadOnlyList<Tags.TicketTag>? Tags = null,
    [property: Id(22)] Guid? MergedInto = null,
    // SLA policies (issue 19): the next-reply cycle (the customer message still unanswered),
    // the policy the ticket runs under (null: the project settings' targets) and the waiting
    // pause (the resolution target's counted time left, and the paused time so far).
    [property: Id(23)] DateTimeOffset? NextReplyDueAt = null,
    [property: Id(24)] DateTimeOffset? NextReplyBreachedAt = null,
    [property: Id(25)] DateTimeOffset? NextReplySince = null,
    [property: Id(26)] SlaPolicies.SlaPolicy? SlaPolicy = null,
    [property: Id(27)] DateTimeOffset? PausedAt = null,
    [property: Id(28)] TimeSpan? ResolveLeft = null,
    [property: Id(29)] long PausedSeconds = 0,
    // CSAT.
    [property: Id(30)] DateTimeOffset? CsatRequestedAt = null,
    [property: Id(31)] TicketCsat? Csat = null,
    // Reports: the first response and resolution in the project calendar's working time (the
    // resolution less the paused working time), and the paused working time so far (null: paused
    // before it was measured). Set by the grain when they happen; see Reports/TicketGrain.ReportTimes.cs.
    [property: Id(32)] long? FirstReplyBusinessSeconds = null,
    [property: Id(33)] long? ResolutionBusinessSeconds = null,
    [property: Id(34)] long? PausedBusinessSeconds = 0);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.MessageView")]
public sealed record MessageView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] MessageAuthor Author,
    [property: Id(2)] Guid? AgentId,
    [property: Id(3)] string Text,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] Delivery Delivery,
    [property: Id(6)] string? DeliveryError,
    [property: Id(7)] IReadOnlyList<Attachment>? Attachments = null,
    [property: Id(8)] string? ChannelMessageId = null,
    [property: Id(9)] DateTimeOffset? EditedAt = null,
    [property: Id(10)] bool Internal = false);

/// <summary>One change of one field: <c>status</c>, <c>priority</c>, <c>assignee_id</c> or <c>type_id</c>.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.HistoryEntry")]
public sealed record HistoryEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] Actor Actor,
    [property: Id(2)] string Field,
    [property: Id(3)] string? From,
    [property: Id(4)] string? To);

/// <summary>The ticket with its latest messages (oldest first; <see cref="HasEarlierMessages"/> when there are more) and its history.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.TicketDetails")]
public sealed record TicketDetails(
    [property: Id(0)] TicketView Ticket,
    [property: Id(1)] IReadOnlyList<MessageView> Messages,
    [property: Id(2)] IReadOnlyList<HistoryEntry> History,
    [property: Id(3)] bool HasEarlierMessages = false);

/// <summary>A stretch of a ticket's conversation, oldest first; <see cref="HasEarlier"/> when older messages exist.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.MessagePage")]
public sealed record MessagePage([property: Id(0)] IReadOnlyList<MessageView> Items, [property: Id(1)] bool HasEarlier);

/// <summary>Who the customer is, as the channel knows them.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.CustomerIdentity")]
public sealed record CustomerIdentity(
    [property: Id(0)] string ExternalId,
    [property: Id(1)] string? Name,
    [property: Id(2)] string? Email,
    [property: Id(3)] string? Username);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.NewTicket")]
public sealed record NewTicket(
    [property: Id(0)] Channel Channel,
    [property: Id(1)] CustomerIdentity Customer,
    [property: Id(2)] string Text,
    [property: Id(3)] string? Subject,
    [property: Id(4)] Guid? TypeId,
    [property: Id(5)] TicketPriority? Priority,
    [property: Id(6)] Actor Actor,
    [property: Id(7)] ChannelOrigin? Origin = null,
    // Id 16, not the next one: other fields are being added next to it in parallel work.
    [property: Id(16)] Cluster.WriteKey? Key = null) : Cluster.IKeyedWrite;

/// <summary>
/// A customer message that came through a messenger: the chat it came from, the update that
/// carried it (applied exactly once, in the transaction that stores the message), its
/// attachments, and what the bot answers in that same transaction (<c>{number}</c> is
/// replaced with the ticket's number).
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.ChannelOrigin")]
public sealed record ChannelOrigin(
    [property: Id(0)] ChatRoute Route,
    [property: Id(1)] string UpdateKey,
    [property: Id(2)] string? ChannelMessageId,
    [property: Id(3)] IReadOnlyList<Attachment> Attachments,
    [property: Id(4)] string? BotAnswer = null);

/// <summary>
/// The fields a PATCH may change together. Assignee and type can be cleared, so each has a
/// flag saying whether it is part of the change at all.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.TicketEdit")]
public sealed record TicketEdit(
    [property: Id(0)] Actor Actor,
    [property: Id(1)] TicketStatus? Status = null,
    [property: Id(2)] TicketPriority? Priority = null,
    [property: Id(3)] bool ChangesAssignee = false,
    [property: Id(4)] Guid? AssigneeId = null,
    [property: Id(5)] bool ChangesType = false,
    [property: Id(6)] Guid? TypeId = null);

/// <summary>
/// An agent's answer. <see cref="Files"/>: files already in the file store (unattached, of the
/// ticket's project), sent after or with the text; with files the text may be empty.
/// <see cref="TagIds"/>: the tags of the canned reply it sends, added in the reply's transaction.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.AgentReply")]
public sealed record AgentReply([property: Id(0)] Actor Agent, [property: Id(1)] string Text,
    [property: Id(16)] Cluster.WriteKey? Key = null, [property: Id(2)] IReadOnlyList<Attachment>? Files = null,
    [property: Id(3)] Guid? ExpectedLastMessageId = null, [property: Id(4)] IReadOnlyList<Guid>? TagIds = null) : Cluster.IKeyedWrite;

/// <summary>An internal note: seen by the team only, never sent to the customer, costs no credit.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.AgentNote")]
public sealed record AgentNote([property: Id(0)] Actor Agent, [property: Id(1)] string Text, [property: Id(2)] Guid? ExpectedLastMessageId = null);

[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.CustomerMessage")]
public sealed record CustomerMessage([property: Id(0)] string Text, [property: Id(1)] ChannelOrigin? Origin = null,
    [property: Id(2)] Actor? PostedBy = null, [property: Id(16)] Cluster.WriteKey? Key = null) : Cluster.IKeyedWrite;

/// <summary>The customer edited a message they sent through a messenger.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tickets.CustomerEdit")]
public sealed record CustomerEdit([property: Id(0)] string ChannelMessageId, [property: Id(1)] string Text, [property: Id(2)] ChannelOrigin Origin);

/// <summary>Limits of the public contract, checked by grains so every entry point obeys them.</summary>
public static class TicketLimits
{
    public const int MaxTextLength = 4096;
    public const int MaxSubjectLength = 200;
    public const int MaxNameLength = 100;
    public const int MaxExternalIdLength = 200;
    public const int DerivedSubjectLength = 80;

    /// <summary>Messages a ticket keeps in memory and shows first; older ones are paged (<c>GET .../messages</c>).</summary>
    public const int RecentMessages = 50;

    /// <summary>Customer messages one ticket takes per UTC day; more are refused (a flood, not a conversation).</summary>
    public const int CustomerMessagesPerDay = 1000;
}
