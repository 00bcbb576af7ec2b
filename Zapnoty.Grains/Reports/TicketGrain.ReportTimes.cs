using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.SlaPolicies;

namespace Zapnoty.Grains.Tickets;

// Reports: the business-hours durations are measured by the ticket grain, the one place that
// knows the project's calendar (NodaTime arithmetic the database cannot do) at the moment the
// first reply, a resume or the close happens. They are stored on the ticket row in the change's
// own transaction, and the rollup triggers fold them (migration 0033).
public sealed partial class TicketGrain
{
    /// <summary>
    /// <paramref name="after"/> with the business-hours durations the change completes: the first
    /// reply's, a paused span that ended (added to the paused working time) and the resolution
    /// (working time from creation to the close, less the paused working time). Asks the
    /// project's calendar only when one of them happens.
    /// </summary>
    private async Task<TicketView> WithReportTimes(TicketView before, TicketView after)
    {
        var answered = before.FirstReplyAt is null && after.FirstReplyAt is not null;
        var resumed = before.PausedAt is not null && after.PausedAt is null;
        var closes = after is { Status: TicketStatus.Closed, ClosedAt: not null } && (before.Status != TicketStatus.Closed || before.ClosedAt != after.ClosedAt);
        if (after.Status != TicketStatus.Closed && after.ResolutionBusinessSeconds is not null) after = after with { ResolutionBusinessSeconds = null };
        if (!answered && !resumed && !closes) return after;

        var working = new SlaClock(await GrainFactory.GetGrain<IProjectCalendarGrain>(after.ProjectId).Get());
        long Seconds(DateTimeOffset from, DateTimeOffset to) => Math.Max(0, (long)working.Between(from, to).TotalSeconds);

        if (answered) after = after with { FirstReplyBusinessSeconds = Seconds(after.CreatedAt, after.FirstReplyAt!.Value) };
        if (resumed)
        {
            // A reopen clears the pause of a ticket closed while paused (a merge): it ended at that close.
            var end = before.Status == TicketStatus.Closed && before.ClosedAt is { } closedAt ? closedAt : after.UpdatedAt;
            after = after with { PausedBusinessSeconds = after.PausedBusinessSeconds + Seconds(before.PausedAt!.Value, end) };
        }
        if (closes)
        {
            var closedAt = after.ClosedAt!.Value;
            // Still paused at the close (a merge closes without resuming): that span is paused too.
            var paused = after.PausedBusinessSeconds + (after.PausedAt is { } since ? Seconds(since, closedAt) : 0);
            after = after with { ResolutionBusinessSeconds = paused is { } p ? Math.Max(0, Seconds(after.CreatedAt, closedAt) - p) : null };
        }
        return after;
    }

    /// <summary>Writes the ticket's business-hours durations as <paramref name="ticket"/> has them.</summary>
    private static NpgsqlBatchCommand SaveReportTimes(TicketView ticket) => new("""
        UPDATE tickets SET first_reply_business_seconds = $2, resolution_business_seconds = $3, sla_paused_business_seconds = $4 WHERE id = $1
        """)
    {
        Parameters =
        {
            new() { Value = ticket.Id },
            new() { Value = (object?)ticket.FirstReplyBusinessSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
            new() { Value = (object?)ticket.ResolutionBusinessSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
            new() { Value = (object?)ticket.PausedBusinessSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
        },
    };

    private static bool ReportTimesChanged(TicketView before, TicketView after) =>
        before.FirstReplyBusinessSeconds != after.FirstReplyBusinessSeconds || before.ResolutionBusinessSeconds != after.ResolutionBusinessSeconds
        || before.PausedBusinessSeconds != after.PausedBusinessSeconds;
}
