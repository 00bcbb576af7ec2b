using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Zapnoty.Grains.Cluster;

/// <summary>
/// Deletes expired idempotency keys every few minutes, in small batches (lookups already ignore
/// them). Every silo runs it; two deleting the same rows only wait for each other.
/// </summary>
public sealed class IdempotencyKeySweeper(IdempotencyKeys keys, TimeProvider clock, ILogger<IdempotencyKeySweeper> log) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(5);
    private const int RowsPerBatch = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await keys.Prune(clock.GetUtcNow(), RowsPerBatch, stoppingToken) == RowsPerBatch) { }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(e, "Pruning expired idempotency keys failed; trying again in {Period}", Period);
            }
        }
    }
}
