using Orleans.Configuration;

namespace Zapnoty.Silo;

/// <summary>
/// How fast the cluster declares a crashed silo dead: Orleans' membership settings
/// (<see cref="ClusterMembershipOptions"/>), bound from the <c>Orleans:Membership</c> section
/// over our defaults. Every silo of a cluster should run the same values.
/// </summary>
/// <remarks>
/// Orleans probes each other silo every effective probe timeout, which adapts to the measured
/// round trip between <c>MinProbeTimeout</c> (half of <c>ProbeTimeout</c>) and
/// <c>MaxProbeTimeout</c> (four times), and lengthens while the local silo is degraded (thread
/// pool delays). A probe to a killed process fails at once (its port refuses), but the next one
/// only comes a period later: detection takes about <c>NumMissedProbesLimit</c> periods. The last
/// missed probe goes through another silo, whose vote counts too; with two active silos one vote
/// is enough. A connection that received a message from the silo within
/// <c>MaxProbeTimeout</c> × <c>NumMissedProbesLimit</c> vetoes the vote, which keeps a silo
/// that is busy but talking from being declared dead; a killed silo's connections reset, so
/// nothing vetoes it. Orleans does not take the reset itself as a sign of death:
/// <see cref="CrashedSiloDetector"/> does, so these settings only have to catch a silo that hangs
/// or a host that vanished, and can leave a silo starting on a busy machine seconds of silence.
/// </remarks>
public static class ClusterMembership
{
    public const string Section = "Orleans:Membership";

    /// <summary>Our defaults (Orleans' in brackets): a silo silent for about 3–4 s is declared dead (7–12 s).</summary>
    public static ISiloBuilder UseZapnotyMembership(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // A probe every second while round trips are fast (2.5 s), three misses (3) suspect a
            // silo. 0.4 s here detected a hang in about 0.6 s but killed silos that were starting
            // while the machine was busy (silent for 2.5 s), so crashes go to CrashedSiloDetector.
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            // Votes count for 10 s (2 min): suspicions from unrelated hiccups do not add up to a death.
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
            // Each silo rereads the table every 10 s (60 s) in case it missed the gossip of a death.
            o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
        });
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection(Section));
        return silo;
    }
}
