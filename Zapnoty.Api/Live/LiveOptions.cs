namespace Zapnoty.Api.Live;

/// <summary>Configuration section <c>Zapnoty:Live</c>: the limits of the live event streams.</summary>
public sealed class LiveOptions
{
    public const string Section = "Zapnoty:Live";

    /// <summary>How often an idle stream gets a keep-alive and its caller's access is checked again.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Streams one person (or API key) may hold open at once on one silo; more answer 429.</summary>
    public int StreamsPerPerson { get; set; } = 5;

    /// <summary>Events buffered for one stream whose client reads slower than they come; past it the stream is told to reset.</summary>
    public int Buffer { get; set; } = 512;

    /// <summary>Events a reconnect may catch up on; further behind, it is told to reset (refetch) instead.</summary>
    public int MaxBacklog { get; set; } = 1000;

    /// <summary>A <c>counts</c> event follows a burst of changes after this pause (one count for the burst).</summary>
    public TimeSpan CountsDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    public bool IsValid => HeartbeatPeriod > TimeSpan.Zero && StreamsPerPerson >= 1 && Buffer >= 1 && MaxBacklog >= 1 && CountsDelay >= TimeSpan.Zero;
}
