using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Zapnoty.Silo;

/// <summary>
/// Ready from the moment the silo is active until it starts to shut down, so a load balancer
/// stops sending requests before grains move away.
/// </summary>
public sealed class SiloReadiness : ILifecycleParticipant<ISiloLifecycle>, IHealthCheck
{
    private volatile bool _active;

    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe<SiloReadiness>(
        ServiceLifecycleStage.Active,
        _ => { _active = true; return Task.CompletedTask; },
        _ => { _active = false; return Task.CompletedTask; });

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_active ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The silo is not active."));
}
