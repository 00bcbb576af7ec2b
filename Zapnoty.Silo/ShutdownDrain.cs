using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Zapnoty.Silo;

/// <summary>Configuration section <c>Zapnoty:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    /// <summary>
    /// How long a stopping silo keeps serving while /health/ready already answers 503, so a
    /// balancer that polls readiness every few seconds takes it out before it stops accepting
    /// connections. It counts against the host's 30 s shutdown timeout. Tests set it to zero.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The first step of a shutdown (SIGTERM, Ctrl+C): the host runs every
/// <see cref="IHostedLifecycleService.StoppingAsync"/> before it stops any hosted service, so
/// here Kestrel still accepts and serves and the silo is still in the cluster. Turns readiness
/// off, then waits <see cref="ShutdownOptions.DrainDelay"/>. After it Kestrel finishes the
/// requests in flight and the silo deactivates its grains and leaves the cluster.
/// </summary>
public sealed class ShutdownDrain(SiloReadiness readiness, IOptions<ShutdownOptions> options, ILogger<ShutdownDrain> log) : IHostedLifecycleService
{
    private long _stopping;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = Stopwatch.GetTimestamp();
        readiness.Drain();
        var delay = options.Value.DrainDelay;
        if (delay <= TimeSpan.Zero) return;
        log.LogInformation("Shutting down: /health/ready answers 503; still serving for {DrainDelay} while balancers drain this silo", delay);
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ran out during the drain: stop now rather than overrun it.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After Kestrel and the silo stopped: how long the whole shutdown took, for whoever tunes the drain.</summary>
    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        log.LogInformation("Shut down in {Elapsed}: requests finished, grains deactivated, left the cluster", Stopwatch.GetElapsedTime(_stopping));
        return Task.CompletedTask;
    }
}
