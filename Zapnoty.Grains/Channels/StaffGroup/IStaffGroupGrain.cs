using Orleans.Concurrency;

namespace Zapnoty.Grains.Channels.StaffGroup;

/// <summary>
/// One per project (keyed by its id): the project's Telegram staff group. It applies what staff
/// do in the group (replies, notes, commands, buttons, <c>/link</c>) and mirrors the project's
/// ticket events into one forum topic per ticket, in event order, paced to the group's limit.
/// </summary>
[Alias("Zapnoty.Grains.Channels.StaffGroup.IStaffGroupGrain")]
public interface IStaffGroupGrain : IGrainWithGuidKey
{
    /// <summary>The linked group, or null.</summary>
    [Alias("5A0C7E21")]
    [ReadOnly] Task<StaffGroupView?> Get();

    /// <summary>
    /// Links the group in which <paramref name="userId"/>'s code was sent through the project's
    /// Telegram bot. No bot: NotFound; a code that is not theirs, unsent, used or expired: Invalid (field <c>code</c>).
    /// </summary>
    [Alias("5A0C7E22")]
    Task<StaffGroupView> Link(Actor actor, Guid userId, string code);

    /// <summary>Stops mirroring to the group and taking answers from it. No group linked: NotFound.</summary>
    [Alias("5A0C7E23")]
    Task Unlink(Actor actor);

    /// <summary>An update from a supergroup of the project's bot; the caller claims it afterwards. Idempotent for replies.</summary>
    [Alias("5A0C7E24")]
    Task Apply(BotView bot, IncomingUpdate update);

    /// <summary>The project has new ticket events: mirror them. Cheap and idempotent.</summary>
    [Alias("5A0C7E25")]
    [OneWay] Task Nudge();
}

/// <summary>Configuration section <c>Zapnoty:StaffGroup</c>.</summary>
public sealed class StaffGroupOptions
{
    /// <summary>
    /// Telegram lets a bot post about 20 messages a minute in one group: at most this many calls
    /// to the group (messages, topic changes) within any <see cref="PacingWindow"/>.
    /// </summary>
    public int MessagesPerWindow { get; set; } = 20;

    /// <summary>The window of <see cref="MessagesPerWindow"/> (tests shorten both to run the same queue fast).</summary>
    public TimeSpan PacingWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a linked group looks for events a lost nudge left behind.</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromSeconds(30);
}
