using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// Writes new tickets' SLA reminders straight into Orleans' ADO.NET reminder table, inside the
/// transaction that creates the tickets: no commit per reminder, and no window in which a
/// committed ticket has no reminder.
/// <para>
/// Why Orleans treats such a row as its own: the row is exactly what the provider's
/// <c>UpsertReminderRowKey</c> (<c>upsert_reminder_row</c>, migration 0004) inserts for a new
/// reminder — <c>GrainId.ToString()</c>, <c>(int)GrainId.GetUniformHashCode()</c>, start time,
/// period in milliseconds, version 0 — and Orleans 10.4 keeps only reminders due within
/// <see cref="ReminderOptions.ReminderLoadingWindow"/> in memory anyway: everything further out
/// lives only in the table until the owning silo's periodic refresh
/// (<see cref="ReminderOptions.RefreshReminderListPeriod"/>) reads its hash range and starts it.
/// So a row due later than one refresh from now ticks on time. A nearer due time must go through
/// <c>IReminderRegistry</c>, which starts the timer at once.
/// </para>
/// </summary>
public sealed class SlaReminderRows(IGrainFactory grains, IOptions<ClusterOptions> cluster, IOptions<ReminderOptions> reminders,
    IOptions<SlaOptions> sla, TimeProvider clock)
{
    // Mirrors upsert_reminder_row's insert branch. A new ticket has no row yet, so a conflict
    // would be a bug: it fails (and rolls back) the creation rather than hiding it.
    private const string InsertRows = """
        INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
        SELECT $1, r.grain_id, $2, r.start_time, $3, r.grain_hash, 0
          FROM unnest($4::text[], $5::timestamptz[], $6::integer[]) AS r(grain_id, start_time, grain_hash)
        """;

    /// <summary>
    /// Whether a reminder due at <paramref name="due"/> can be written as a row: some refresh
    /// falls between now and the due time, with one reminder period to spare for a refresh
    /// that is slow or retried.
    /// </summary>
    public bool LoadsInTime(DateTimeOffset due) =>
        due - clock.GetUtcNow() > reminders.Value.RefreshReminderListPeriod + sla.Value.ReminderPeriod;

    /// <summary>The ticket grain's identity as Orleans names it in the reminder table.</summary>
    public GrainId GrainOf(Guid ticketId) => grains.GetGrain<ITicketGrain>(ticketId).GetGrainId();

    /// <summary>One statement inserting the SLA reminder of each ticket, due at its next target.</summary>
    public NpgsqlBatchCommand Insert(IReadOnlyList<(Guid TicketId, DateTimeOffset Due)> tickets)
    {
        var ids = tickets.Select(t => GrainOf(t.TicketId)).ToArray();
        return new NpgsqlBatchCommand(InsertRows)
        {
            Parameters =
            {
                new() { Value = cluster.Value.ServiceId },
                new() { Value = TicketGrain.SlaReminder },
                new() { Value = (long)sla.Value.ReminderPeriod.TotalMilliseconds },
                new() { Value = ids.Select(id => id.ToString()).ToArray() },
                new() { Value = tickets.Select(t => t.Due).ToArray() },
                // The provider stores the uint hash reinterpreted as int (unchecked), and reads ranges the same way.
                new() { Value = ids.Select(id => unchecked((int)id.GetUniformHashCode())).ToArray() },
            },
        };
    }
}
