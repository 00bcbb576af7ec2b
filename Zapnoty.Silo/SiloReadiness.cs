using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Zapnoty.Silo;

/// <summary>
/// Ready from the moment the silo is active until it starts to shut down, so a load balancer
/// stops sending requests before grains move away. The shutdown begins with
/// <see cref="ShutdownDrain"/> calling <see cref="Drain"/>, well before the Orleans lifecycle
/// leaves <c>Active</c>: the web server stops before the silo does, so waiting for the silo
/// would turn /health/ready unready only once nobody could ask any more.
/// </summary>
public sealed class SiloReadiness : ILifecycleParticipant<ISiloLifecycle>, IHealthCheck
{
    private volatile bool _active;
    private volatile bool _draining;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe<SiloReadiness>(
        ServiceLifecycleStage.Active,
        _ => { _active = true; return Task.CompletedTask; },
        _ => { _active = false; return Task.CompletedTask; });

    /// <summary>Unready for good: the process is shutting down.</summary>
    public void Drain() => _draining = true;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            // Degraded, which /health/ready answers 503 like Unhealthy: a planned drain is not a
            // fault, and the health check service logs Unhealthy as an error on every probe.
            _draining ? HealthCheckResult.Degraded("The silo is shutting down.")
            : _active ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The silo is not active."));
}
