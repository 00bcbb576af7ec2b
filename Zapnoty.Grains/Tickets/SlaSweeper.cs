using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// The backstop for reminders: each silo looks for tickets whose SLA target passed more than a
/// reminder period ago without the breach being recorded (a registration lost in a crash
/// between the ticket's commit and its reminder) and asks their grains to check.
/// Recording is exactly once, so a ticket checked by both is fine.
/// </summary>
public sealed class SlaSweeper(IGrainFactory grains, NpgsqlDataSource dataSource, IOptions<SlaOptions> options, TimeProvider clock,
    ILogger<SlaSweeper> log) : BackgroundService
{
    private const int TicketsPerSweep = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var ticketId in await Overlooked(clock.GetUtcNow() - options.Value.ReminderPeriod, stoppingToken))
                    await grains.GetGrain<ITicketGrain>(ticketId).CheckSla();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(e, "SLA sweep failed; trying again in {Period}", options.Value.SweepPeriod);
            }
        }
    }

    private async Task<IReadOnlyList<Guid>> Overlooked(DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM tickets
             WHERE first_reply_at IS NULL AND closed_at IS NULL AND first_reply_breached_at IS NULL AND first_reply_due_at < $1
            UNION
            SELECT id FROM tickets
             WHERE closed_at IS NULL AND resolve_breached_at IS NULL AND resolve_due_at < $1
            UNION
            SELECT id FROM tickets
             WHERE closed_at IS NULL AND next_reply_breached_at IS NULL AND next_reply_due_at < $1
            LIMIT $2
            """);
        command.Parameters.Add(new() { Value = dueBefore });
        command.Parameters.Add(new() { Value = TicketsPerSweep });
        var tickets = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tickets.Add(reader.GetGuid(0));
        return tickets;
    }
}
