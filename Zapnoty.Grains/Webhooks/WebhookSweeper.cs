using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// Runs in every silo: wakes the dispatcher of any project with a delivery that is due. This
/// is what resumes deliveries after a silo died between a commit and its nudge, and what
/// brings long retries (minutes to hours) back. Several silos nudging the same project is
/// harmless: the dispatcher is one activation and a nudge only starts work that is not running.
/// </summary>
public sealed class WebhookSweeper(IGrainFactory grains, WebhookStore store, IOptions<WebhookOptions> options,
    TimeProvider clock, ILogger<WebhookSweeper> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var projectId in await store.ProjectsWithDueDeliveries(clock.GetUtcNow(), stoppingToken))
                    await grains.GetGrain<IWebhookDispatcherGrain>(projectId).Nudge();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(e, "Webhook sweep failed; trying again in {Period}", options.Value.SweepPeriod);
            }
        }
    }
}
