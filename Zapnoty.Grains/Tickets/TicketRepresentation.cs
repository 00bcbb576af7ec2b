using Zapnoty.Grains.Team;

namespace Zapnoty.Grains.Tickets;

// The public representation of tickets and messages: what the REST API answers and what
// webhook events carry, so an integrator sees one shape everywhere.

/// <summary><c>unreachable_reason</c> is set while the customer cannot be messaged (they blocked the bot).</summary>
public sealed record CustomerDto(Guid Id, string? Name, string ExternalId, string? Email, string? Username, string? UnreachableReason);

/// <summary>
/// Due times as stored (real instants, also when counted in business hours); the overdue flags
/// are computed from them at the moment of the answer. <c>next_reply_due_at</c>: the oldest
/// customer message not yet answered by an agent. <c>paused</c>: the resolution clock is stopped
/// while the ticket waits on the customer (<c>resolve_due_at</c> is then null and
/// <c>resolve_left_seconds</c> is the counted time it will have when it resumes);
/// <c>paused_seconds</c>: the time paused so far. <c>policy</c>: the SLA policy the ticket runs
/// under, null for the project settings' targets.
/// </summary>
public sealed record SlaDto(DateTime? FirstReplyDueAt, DateTime? ResolveDueAt, bool FirstReplyOverdue, bool ResolveOverdue,
    DateTime? NextReplyDueAt, bool NextReplyOverdue, bool Paused, long PausedSeconds, long? ResolveLeftSeconds, SlaPolicyRefDto? Policy,
    bool BusinessHours);

/// <summary>Which SLA policy applies: the priority and, for a policy of one ticket type, that type.</summary>
public sealed record SlaPolicyRefDto(TicketPriority Priority, Guid? TypeId);

/// <summary>Who a ticket is assigned to (<c>name</c>: their display name, if set); <c>former_member</c> once they were removed from the project.</summary>
public sealed record AssigneeDto(Guid UserId, string? Email, string? Name, bool FormerMember);

/// <summary>A tag on a ticket; <c>archived</c> once it was removed from the project (tickets keep it).</summary>
public sealed record TagDto(Guid Id, string Name, string Color, bool Archived)
{
    public static TagDto From(Tags.TicketTag t) => new(t.Id, t.Name, t.Color, t.Archived);
}

/// <summary>The customer's rating: <c>score</c> 1–5, their <c>comment</c> (null until they write one), and when they rated.</summary>
public sealed record CsatDto(int Score, string? Comment, DateTime At);

/// <summary>
/// <c>tags</c> by name; <c>merged_into</c> is the ticket this one was merged into (it is then closed).
/// <c>csat</c>: the customer's latest rating (null when none); <c>csat_requested_at</c>: when the survey
/// of the current close went out (null while open, or when no survey was sent).
/// </summary>
public record TicketDto(
    Guid Id, Guid ProjectId, long Number, string Subject, TicketStatus Status, TicketPriority Priority,
    Guid? TypeId, string? TypeName, Guid? AssigneeId, AssigneeDto? Assignee, Channel Channel, CustomerDto Customer,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? FirstReplyAt, DateTime? ClosedAt, SlaDto Sla,
    IReadOnlyList<TagDto> Tags, Guid? MergedInto,
    CsatDto? Csat = null, DateTime? CsatRequestedAt = null)
{
    public static TicketDto From(TicketView t, DateTimeOffset now, TeamDirectory team) => new(
        t.Id, t.ProjectId, t.Number, t.Subject, t.Status, t.Priority, t.TypeId, t.TypeName, t.AssigneeId, team.Assignee(t.AssigneeId), t.Channel,
        new CustomerDto(t.Customer.Id, t.Customer.Name, t.Customer.ExternalId, t.Customer.Email, t.Customer.Username, t.Customer.UnreachableReason),
        t.CreatedAt.UtcDateTime, t.UpdatedAt.UtcDateTime, t.FirstReplyAt?.UtcDateTime, t.ClosedAt?.UtcDateTime,
        new SlaDto(t.FirstReplyDueAt?.UtcDateTime, t.ResolveDueAt?.UtcDateTime,
            FirstReplyOverdue: t.FirstReplyAt is null && t.ClosedAt is null && t.FirstReplyDueAt < now,
            ResolveOverdue: t.ClosedAt is null && t.ResolveDueAt < now,
            NextReplyDueAt: t.NextReplyDueAt?.UtcDateTime,
            NextReplyOverdue: t.ClosedAt is null && t.NextReplyDueAt < now,
            // A ticket closed while waiting (merged) is no longer paused: nothing runs on a closed ticket.
            Paused: t is { PausedAt: not null, ClosedAt: null },
            PausedSeconds: t.PausedSeconds + (t is { PausedAt: { } since, ClosedAt: null } && now > since ? (long)(now - since).TotalSeconds : 0),
            ResolveLeftSeconds: t is { PausedAt: not null, ClosedAt: null } ? (long?)t.ResolveLeft?.TotalSeconds : null,
            Policy: t.SlaPolicy is { } policy ? new SlaPolicyRefDto(policy.Priority, policy.TypeId) : null,
            BusinessHours: t.SlaPolicy?.BusinessHours ?? false),
        (t.Tags ?? []).Select(TagDto.From).ToList(), t.MergedInto,
        t.Csat is { } csat ? new CsatDto(csat.Score, csat.Comment, csat.At.UtcDateTime) : null, t.CsatRequestedAt?.UtcDateTime);
}

/// <summary>
/// A message of the conversation. <c>attachments</c> are files a customer sent through a
/// messenger (by the messenger's file id); <c>edited_at</c> is set when they edited the text.
/// <c>internal</c> marks a note of the team: never shown to the customer (false for replies and customer messages).
/// </summary>
public sealed record MessageDto(Guid Id, MessageAuthor Author, Guid? AgentId, string Text, DateTime CreatedAt, Delivery Delivery, string? DeliveryError,
    IReadOnlyList<Channels.Attachment> Attachments, DateTime? EditedAt, bool Internal = false)
{
    public static MessageDto From(MessageView m) => new(m.Id, m.Author, m.AgentId, m.Text, m.CreatedAt.UtcDateTime, m.Delivery, m.DeliveryError,
        m.Attachments ?? [], m.EditedAt?.UtcDateTime, m.Internal);
}

