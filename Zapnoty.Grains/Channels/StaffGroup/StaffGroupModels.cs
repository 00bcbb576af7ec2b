namespace Zapnoty.Grains.Channels.StaffGroup;

/// <summary>
/// The project's linked Telegram staff group. <see cref="BrokenAt"/>/<see cref="BrokenReason"/>:
/// the bot can no longer act there (removed, demoted, group gone); nothing is mirrored until it is linked again.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.StaffGroup.StaffGroupView")]
public sealed record StaffGroupView(
    [property: Id(0)] Guid BotId,
    [property: Id(1)] string ChatId,
    [property: Id(2)] string? Title,
    [property: Id(3)] DateTimeOffset LinkedAt,
    [property: Id(4)] DateTimeOffset? BrokenAt,
    [property: Id(5)] string? BrokenReason);

/// <summary>A ticket event as the staff group mirrors it: <see cref="Data"/> is the webhook body's <c>data</c> JSON.</summary>
public sealed record MirroredEvent(long Seq, Guid TicketId, string Type, Guid? MessageId, string Data);

/// <summary>The project member a Telegram account is linked to: their user, role and the name history shows.</summary>
public sealed record StaffMember(Guid UserId, Projects.ProjectRole? Role, string Name);

public static class StaffGroupLimits
{
    /// <summary>A link code works for this long after it was made.</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(15);
}
