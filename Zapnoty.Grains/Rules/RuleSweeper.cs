using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Rules;

/// <summary>
/// The backstop for rules reminders, as <see cref="SlaSweeper"/> is for SLA ones: each silo looks
/// for open tickets on which an enabled rule has been due for more than a reminder period without
/// a firing recorded (a rule created after the ticket's last change, a registration lost in a
/// crash), and asks their grains to check. The grain decides; a firing is recorded once, so a
/// ticket checked by both the reminder and the sweeper is fine.
/// </summary>
public sealed class RuleSweeper(IGrainFactory grains, NpgsqlDataSource dataSource, IOptions<SlaOptions> options, TimeProvider clock,
    ILogger<RuleSweeper> log) : BackgroundService
{
    private const int TicketsPerSweep = 500;

    // The moment and cycle of each trigger, as RuleMoments computes them (cycles to the millisecond).
    private const string Overdue = """
        SELECT DISTINCT x.id FROM (
            SELECT t.id, m.moment, date_trunc('milliseconds', m.cycle) AS cycle, r.id AS rule_id
              FROM helpdesk_rules r
              JOIN tickets t ON t.project_id = r.project_id AND t.closed_at IS NULL AND t.merged_into IS NULL
              CROSS JOIN LATERAL (
                SELECT CASE
                         WHEN r.trigger_type = 'sla_warning' AND r.trigger_target = 'first_reply'
                              AND t.first_reply_at IS NULL AND t.first_reply_breached_at IS NULL
                           THEN t.first_reply_due_at - make_interval(secs => (r.trigger_minutes * 60)::float8)
                         WHEN r.trigger_type = 'sla_warning' AND r.trigger_target = 'resolution' AND t.resolve_breached_at IS NULL
                           THEN t.resolve_due_at - make_interval(secs => (r.trigger_minutes * 60)::float8)
                         WHEN r.trigger_type = 'sla_warning' AND r.trigger_target = 'next_reply' AND t.next_reply_breached_at IS NULL
                           THEN t.next_reply_due_at - make_interval(secs => (r.trigger_minutes * 60)::float8)
                         WHEN r.trigger_type = 'sla_breached' AND r.trigger_target = 'first_reply' AND t.first_reply_at IS NULL
                           THEN t.first_reply_breached_at
                         WHEN r.trigger_type = 'sla_breached' AND r.trigger_target = 'next_reply' AND t.next_reply_due_at IS NOT NULL
                           THEN t.next_reply_breached_at
                         WHEN r.trigger_type = 'sla_breached' AND r.trigger_target = 'resolution'
                           THEN t.resolve_breached_at
                         WHEN r.trigger_type = 'waiting_on_customer' AND t.status = 'waiting'
                           THEN w.since + make_interval(secs => (r.trigger_minutes * 60)::float8)
                       END AS moment,
                       CASE
                         WHEN r.trigger_type = 'sla_warning' AND r.trigger_target = 'first_reply' THEN t.first_reply_due_at
                         WHEN r.trigger_type = 'sla_warning' AND r.trigger_target = 'resolution' THEN t.resolve_due_at
                         WHEN r.trigger_type = 'sla_warning' AND r.trigger_target = 'next_reply' THEN t.next_reply_due_at
                         WHEN r.trigger_type = 'sla_breached' AND r.trigger_target = 'next_reply' THEN t.next_reply_breached_at
                         WHEN r.trigger_type = 'sla_breached' AND r.trigger_target = 'first_reply' THEN t.first_reply_breached_at
                         WHEN r.trigger_type = 'sla_breached' AND r.trigger_target = 'resolution' THEN t.resolve_breached_at
                         WHEN r.trigger_type = 'waiting_on_customer' THEN w.since
                       END AS cycle
                  FROM (SELECT CASE WHEN t.status = 'waiting' THEN coalesce(
                                 (SELECT max(h.at) FROM ticket_history h WHERE h.ticket_id = t.id AND h.field = 'status' AND h.to_value = 'waiting'),
                                 t.created_at) END AS since) w
              ) m
             WHERE r.enabled
               AND (r.priority IS NULL OR r.priority = t.priority)
               AND (r.type_id IS NULL OR r.type_id = t.type_id)
        ) x
         WHERE x.moment < $1
           AND NOT EXISTS (SELECT 1 FROM rule_firings f WHERE f.rule_id = x.rule_id AND f.ticket_id = x.id AND f.cycle_at = x.cycle)
         LIMIT $2
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var ticketId in await Overlooked(clock.GetUtcNow() - options.Value.ReminderPeriod, stoppingToken))
                    await grains.GetGrain<ITicketGrain>(ticketId).CheckRules();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogWarning(e, "Rule sweep failed; trying again in {Period}", options.Value.SweepPeriod);
            }
        }
    }

    private async Task<IReadOnlyList<Guid>> Overlooked(DateTimeOffset dueBefore, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Overdue);
        command.Parameters.Add(new() { Value = dueBefore });
        command.Parameters.Add(new() { Value = TicketsPerSweep });
        var tickets = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tickets.Add(reader.GetGuid(0));
        return tickets;
    }
}
