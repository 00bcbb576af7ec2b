using System.Diagnostics;

namespace Zapnoty.Bench.Cluster;

/// <summary>
/// Saturates every core for a bounded time with busy shell loops (one per core, each under
/// <c>timeout</c>, so none outlives the period even if this process dies), to see whether the
/// membership settings declare a silo that is slow but alive suspect or dead.
/// </summary>
public static class CpuBurn
{
    /// <summary>Seconds to burn, from <c>ZAPNOTY_CLUSTER_CPU_BURN</c> (unset or 0: no burn).</summary>
    public static TimeSpan FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("ZAPNOTY_CLUSTER_CPU_BURN"), out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;

    public static async Task Run(TimeSpan period, CancellationToken cancellationToken)
    {
        var loops = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => Process.Start("timeout", [((int)period.TotalSeconds).ToString(), "sh", "-c", "while :; do :; done"])!)
            .ToList();
        try
        {
            await Task.WhenAll(loops.Select(p => p.WaitForExitAsync(cancellationToken)));
        }
        finally
        {
            foreach (var loop in loops)
            {
                if (!loop.HasExited) loop.Kill(entireProcessTree: true);
                loop.Dispose();
            }
        }
    }
}
