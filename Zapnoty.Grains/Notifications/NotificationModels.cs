namespace Zapnoty.Grains.Notifications;

/// <summary>What a notification is about.</summary>
public static class NotificationKinds
{
    /// <summary>Someone mentioned the person in a note.</summary>
    public const string Mention = "mention";

    /// <summary>Someone else assigned a ticket to the person.</summary>
    public const string Assigned = "assigned";

    /// <summary>A rule of the project told the person about a ticket (its notify action); the actor is the rule.</summary>
    public const string Rule = "rule";

    public static readonly IReadOnlyList<string> All = [Mention, Assigned, Rule];
}

/// <summary>
/// One notification as the person's bell shows it: what happened, where, by whom. <see cref="Excerpt"/>
/// is the start of the note that mentioned them (read from the note, never copied).
/// </summary>
public sealed record NotificationView(
    Guid Id,
    string Kind,
    Guid ProjectId,
    string ProjectName,
    Guid TicketId,
    long TicketNumber,
    string TicketSubject,
    Guid? MessageId,
    string? Excerpt,
    Actor Actor,
    string? ActorName,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadAt);

/// <summary>A page of a person's notifications, newest first, and how many of all of them are unread.</summary>
public sealed record NotificationPage(IReadOnlyList<NotificationView> Items, bool HasMore, int UnreadCount);

/// <summary>Configuration section <c>Zapnoty:Notifications</c>.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Zapnoty:Notifications";

    /// <summary>
    /// A person who used the dashboard (any request of one of their sessions) this recently is
    /// active: the bell tells them, no email is sent. The dashboard asks for the bell every 30 s
    /// while it is shown, and sessions record their last use at most once a minute.
    /// </summary>
    public TimeSpan ActiveWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most one email per person in this time: later notifications wait and go out together.</summary>
    public TimeSpan EmailInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Unread notifications older than this are no longer emailed (the bell still shows them).</summary>
    public TimeSpan EmailMaxAge { get; set; } = TimeSpan.FromDays(1);
}

public static class NotificationLimits
{
    /// <summary>Notifications one email lists; it says how many more there are.</summary>
    public const int PerEmail = 20;

    /// <summary>Ids one mark-read request may name.</summary>
    public const int MarkReadIds = 200;

    /// <summary>Characters of the note shown in the bell.</summary>
    public const int ExcerptLength = 200;
}
