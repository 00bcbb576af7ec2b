using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Files;

/// <summary>Every few minutes, deletes uploads no reply took (see <see cref="StoredFileOptions.UnattachedLifetime"/>).</summary>
public sealed class FileSweeper(FileStore files, IOptions<StoredFileOptions> options, TimeProvider clock, ILogger<FileSweeper> log) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await files.DeleteUnattached(clock.GetUtcNow() - options.Value.UnattachedLifetime, stoppingToken);
                if (deleted > 0) log.LogInformation("Deleted {Count} uploaded files no reply took", deleted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Sweeping unattached files failed; trying again in {Period}", Period);
            }
        }
    }
}
