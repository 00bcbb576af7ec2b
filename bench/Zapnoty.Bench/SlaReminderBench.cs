using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench;

/// <summary>
/// Many open tickets holding SLA reminders on one silo, with production SLA settings (reminder
/// period and sweep one minute):
///  1. creation through the API with SLA targets against the same creations without (each
///     ticket with a target gets an Orleans reminder row), then a fill up to the target count;
///  2. the silo's memory with 0 tickets, after the fill and after minutes idle, and that of a
///     restarted silo with the full reminder table against one with an empty table;
///  3. the reminder table's load time at a restart (Orleans' own log lines) against a restart
///     with an empty table;
///  4. how late breaches are recorded: while the silo is up (first-reply targets that fall due
///     during and after the fill) and after a restart (targets that fell due while it was down).
/// </summary>
public static partial class SlaReminderBench
{
    // Most tickets wait on targets hours away, as on a real desk: their reminders sit in the table.
    private const decimal FarFirstReplyHours = 8;
    private const decimal ResolveHours = 72;
    // One project in LiveEvery has first replies due 72 s after creation: from the second creation
    // run on they fall due while tickets are being created, and the last ones after the fill.
    private const decimal LiveFirstReplyHours = 0.02m;
    private const int LiveEvery = 20;
    // The last tickets, created just before the restart, fall due while the silo is down: 36 s after
    // creation in the first of these projects, 4.3 s later in each next one, so about 70 s in the last.
    private const decimal DownFirstReplyHours = 0.01m;
    private const decimal DownStepHours = 0.0012m;
    private const int DownProjects = 10;
    private const string BenchApplication = "zapnoty-bench";
    private static readonly TimeSpan Requirement = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan FillLimit = TimeSpan.FromMinutes(10);
    private const string ReminderLog = "Logging__LogLevel__Orleans.Runtime.ReminderService";
    // Heap reports of every memory point, for a closer look (bench/results is not committed).
    private static readonly string Results = Path.Combine("bench", "results", "sla-heap");

    public static async Task Run(SiloSettings settings, FakeSmtpServer smtp, HttpClient http, int workers, TimeSpan duration, int projectCount,
        int ticketCount, bool businessHours = false)
    {
        var warmup = TimeSpan.FromSeconds(3);
        var hotDuration = TimeSpan.FromSeconds(Math.Min(10, duration.TotalSeconds));
        var downCount = Math.Min(2_000, ticketCount / 50);
        await using var db = new NpgsqlDataSourceBuilder(settings.ConnectionString)
        {
            ConnectionStringBuilder = { MaxPoolSize = workers + 10, ApplicationName = BenchApplication },
        }.Build();
        await using var connections = ConnectionWatch.Start(db);
        var api = new ZapnotyApi(http);
        var clock = Stopwatch.StartNew();
        void Step(string what) => Console.Error.WriteLine($"[sla {clock.Elapsed:mm\\:ss}] {what}");

        // A: the first start applies the migrations; the projects and their keys outlive restarts.
        List<BenchProject> plain, fill, down;
        BenchProject hotPlain, hotSla;
        using (var first = WatchedSilo.Start(settings, debugReminders: false))
        {
            await first.Process.WaitReady(http);
            await api.LogIn(smtp);
            plain = await api.CreateProjects(projectCount);
            fill = await api.CreateProjects(projectCount);
            down = await api.CreateProjects(DownProjects);
            (hotPlain, hotSla) = (await api.CreateProject(), await api.CreateProject());
            if (businessHours)
            {
                var week = BusinessHours.Week(DateTime.UtcNow);
                for (var i = 0; i < fill.Count; i++)
                    await api.SetBusinessSla(fill[i], week, i % LiveEvery == 0 ? BusinessHours.LiveFirstReplyMinutes : BusinessHours.FarFirstReplyMinutes,
                        BusinessHours.ResolveMinutes);
                await api.SetBusinessSla(hotSla, week, BusinessHours.FarFirstReplyMinutes, BusinessHours.ResolveMinutes);
                foreach (var project in down) await api.SetBusinessSla(project, week, BusinessHours.DownFirstReplyMinutes, BusinessHours.ResolveMinutes);
                Step($"business hours (UTC) today: {string.Join(", ", week[BusinessHours.Today(DateTime.UtcNow)].Select(p => $"{p[0]}-{p[1]}"))}; other days 00:00-24:00");
            }
            else
            {
                for (var i = 0; i < fill.Count; i++)
                    await api.SetSla(fill[i], i % LiveEvery == 0 ? LiveFirstReplyHours : FarFirstReplyHours, ResolveHours);
                await api.SetSla(hotSla, FarFirstReplyHours, ResolveHours);
                for (var i = 0; i < down.Count; i++) await api.SetSla(down[i], DownFirstReplyHours + i * DownStepHours, ResolveHours);
            }
            await first.Process.Stop();
        }
        var liveIds = fill.Where((_, i) => i % LiveEvery == 0).Select(p => p.Id).ToArray();
        var downIds = down.Select(p => p.Id).ToArray();
        Step($"migrated; {projectCount} projects without SLA, {projectCount} with, {DownProjects} for the downtime, 2 hot");

        // B: restarts with an empty reminder table, the baseline for load time and memory.
        var starts = new List<StartResult>();
        var memory = new List<MemoryPoint>();
        for (var i = 1; i <= 2; i++)
        {
            using var silo = WatchedSilo.Start(settings, debugReminders: true);
            starts.Add(await silo.Measure($"empty table #{i}", http));
            await Task.Delay(Settle);
            memory.Add(await silo.Sample($"restarted, empty reminder table #{i}", db));
            starts[^1] = starts[^1] with { Stop = await silo.Process.Stop() };
        }
        Step("empty-table restarts done");

        // C: the silo that takes the load.
        var slaCreated = 0;
        var label = 0;
        var spread = 0;
        var creation = new List<LoadResult>();
        FillResult filled;
        IdleResult idle;
        Lateness underLoad, afterLoad;
        DateTimeOffset downLastDue;
        TimeSpan downStop;
        int slaTickets, reminderRows;
        var peaks = new List<(string Phase, int Connections)>();
        using (var silo = WatchedSilo.Start(settings, debugReminders: false))
        {
            await silo.Process.WaitReady(http);
            await Task.Delay(Settle);
            memory.Add(await silo.Sample("0 tickets", db));

            async Task Create(BenchProject project, bool sla)
            {
                await TicketCreationBench.Rest(http, project, Interlocked.Increment(ref label));
                if (sla) Interlocked.Increment(ref slaCreated);
            }
            BenchProject Next(IReadOnlyList<BenchProject> projects) => projects[(int)((uint)Interlocked.Increment(ref spread) % projects.Count)];

            // Without and with targets in turn, after a warm-up, so neither gets the cold silo or the bigger table.
            await LoadRun.Measure("warm-up", workers, TimeSpan.Zero, warmup, _ => Create(Next(plain), sla: false));
            for (var round = 1; round <= 2; round++)
            {
                creation.Add(await LoadRun.Measure($"many projects, no SLA #{round}", workers, warmup, duration, _ => Create(Next(plain), sla: false)));
                creation.Add(await LoadRun.Measure($"many projects, SLA #{round}", workers, warmup, duration, _ => Create(Next(fill), sla: true)));
            }
            creation.Add(await LoadRun.Measure("one hot project, no SLA", workers, warmup, hotDuration, _ => Create(hotPlain, sla: false)));
            creation.Add(await LoadRun.Measure("one hot project, SLA", workers, warmup, hotDuration, _ => Create(hotSla, sla: true)));
            peaks.Add(("creation runs", connections.TakePeak()));
            Step($"creation measured ({slaCreated} tickets with targets); filling up to {ticketCount - downCount}");

            filled = await Fill(ticketCount - downCount - slaCreated, workers, () => Create(Next(fill), sla: true));
            memory.Add(await silo.Sample($"after the fill, {slaCreated:N0} tickets with SLA", db));
            filled = filled with { RegistrationLag = Stopwatch.GetElapsedTime(filled.Ended, await WaitForReminderRows(db, slaCreated, TimeSpan.FromMinutes(3))) };
            peaks.Add(("fill", connections.TakePeak()));
            Step($"filled: {filled.Created} tickets in {filled.Seconds:F0} s; reminder rows complete {filled.RegistrationLag.TotalSeconds:F1} s after the last answer");

            idle = await Idle(silo, db, liveIds, Step);
            memory.Add(await silo.Sample($"idle {idle.Seconds / 60:F1} min after the fill", db));
            (underLoad, afterLoad) = (await Lateness.Of(db, liveIds, filled.EndedUtc, reference: null),
                await Lateness.Of(db, liveIds, DateTimeOffset.UtcNow, reference: null, dueAfter: filled.EndedUtc));
            peaks.Add(("idle", connections.TakePeak()));

            // The last tickets fall due while the silo is down.
            var downFill = await Fill(downCount, workers, () => Create(Next(down), sla: true));
            slaTickets = slaCreated;
            await WaitForReminderRows(db, slaCreated, TimeSpan.FromMinutes(1));
            reminderRows = (int)await ReminderRows(db);
            downLastDue = await Scalar<DateTimeOffset>(db, "SELECT max(first_reply_due_at) FROM tickets WHERE project_id = ANY($1)", downIds);
            Step($"{downFill.Created} tickets due by {downLastDue:HH:mm:ss}; stopping the silo");
            downStop = await silo.Process.Stop();
        }
        var stopped = DateTimeOffset.UtcNow;
        var wait = downLastDue + TimeSpan.FromSeconds(5) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);

        // D: the restart with the full table, with targets that fell due while it was down.
        Lateness afterRestart;
        using (var silo = WatchedSilo.Start(settings, debugReminders: true))
        {
            var downtime = silo.Process.StartedUtc - stopped;
            connections.TakePeak();
            starts.Add(await silo.Measure($"{reminderRows:N0} rows, after {downtime.TotalSeconds:F0} s down", http) with { Downtime = downtime });
            Step($"restarted: ready in {starts[^1].Ready.TotalSeconds:F1} s, reminders read {starts[^1].Loaded?.TotalSeconds:F1} s after the start");
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(4);
            while (await Scalar<long>(db, "SELECT count(*) FROM tickets WHERE project_id = ANY($1) AND first_reply_breached_at IS NULL", downIds) > 0
                   && DateTimeOffset.UtcNow < deadline)
                await Task.Delay(1000);
            afterRestart = await Lateness.Of(db, downIds, DateTimeOffset.UtcNow,
                reference: (silo.Process.StartedUtc + starts[^1].Ready, silo.Process.StartedUtc + (starts[^1].Loaded ?? starts[^1].Ready)));
            peaks.Add(("restart with breaches due", connections.TakePeak()));
            Step($"{afterRestart.Recorded} of {afterRestart.Due} breaches of the downtime recorded");
            memory.Add(await silo.Sample($"restarted, {reminderRows:N0} reminder rows, after the downtime's breaches", db));
            starts[^1] = starts[^1] with { Stop = await silo.Process.Stop() };
        }

        // E: one more restart with the full table and nothing falling due.
        using (var silo = WatchedSilo.Start(settings, debugReminders: true))
        {
            starts.Add(await silo.Measure($"{reminderRows:N0} rows", http));
            await Task.Delay(Settle);
            memory.Add(await silo.Sample($"restarted, {reminderRows:N0} reminder rows", db));
            starts[^1] = starts[^1] with { Stop = await silo.Process.Stop() };
        }
        Step("done");

        Report(workers, projectCount, ticketCount, creation, filled, downStop, slaTickets, reminderRows, memory, idle, starts, underLoad, afterLoad, afterRestart,
            peaks, connections.Limit, await Sanity(db, fill.Where((_, i) => i % LiveEvery != 0).Select(p => p.Id).Append(hotSla.Id).ToArray()));
        if (businessHours)
            Console.WriteLine($"business hours: {BusinessHours.Describe}; first replies due later than {BusinessHours.LiveFirstReplyMinutes} min after creation " +
                              $"(across a break): {await Scalar<long>(db, BusinessHours.JumpedSql, liveIds.Concat(downIds).ToArray())} of the live and downtime tickets");
    }

    /// <summary>
    /// The business-hours variant: the projects with targets get a calendar and a business-hours
    /// SLA policy (whole minutes) instead of the settings' hours. Today's working time (UTC) is
    /// cut by a one-minute break every four minutes from the setup on, so one-minute targets set
    /// in the last minute of a period fall due across a break; far targets are hours of business
    /// time away, as in the settings-based run.
    /// </summary>
    private static class BusinessHours
    {
        public const int FarFirstReplyMinutes = 480;
        public const int ResolveMinutes = 72 * 60;
        public const int LiveFirstReplyMinutes = 1;
        public const int DownFirstReplyMinutes = 1;
        private const int Work = 3;
        private const int Break = 1;
        public const string Describe = "UTC; today 3 min working / 1 min break from 2 min after the setup on (11 breaks, 44 min), else around the clock";
        public const string JumpedSql = "SELECT count(*) FROM tickets WHERE project_id = ANY($1) AND first_reply_due_at - created_at > interval '61 seconds'";
        private static readonly string[] Days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

        public static string Today(DateTime utc) => Days[(int)utc.DayOfWeek];

        /// <summary>At most 12 periods a day (the calendar's limit): 11 of them around the breaks.</summary>
        public static Dictionary<string, string[][]> Week(DateTime utc)
        {
            var week = Days.ToDictionary(d => d, _ => new[] { new[] { "00:00", "24:00" } });
            var start = utc.Hour * 60 + utc.Minute + 2;
            var periods = new List<string[]>();
            var from = 0;
            for (var at = start; periods.Count < 11 && at + Break < 24 * 60; at += Work + Break)
            {
                periods.Add([Clock(from), Clock(at)]);
                from = at + Break;
            }
            periods.Add([Clock(from), "24:00"]);
            week[Today(utc)] = periods.ToArray();
            return week;
        }

        private static string Clock(int minutes) => $"{minutes / 60:D2}:{minutes % 60:D2}";
    }

    /// <summary>Creates <paramref name="count"/> tickets with a closed loop of workers; returns the rate over time.</summary>
    private static async Task<FillResult> Fill(int count, int workers, Func<Task> create)
    {
        count = Math.Max(count, 0);
        var issued = 0;
        var done = 0;
        var failures = 0;
        var completed = new long[count];
        var latencies = new List<double>[workers];
        var started = Stopwatch.GetTimestamp();
        var limit = started + (long)(FillLimit.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            latencies[w] = new List<double>(count / workers + 1);
            await Task.Yield();
            while (Interlocked.Increment(ref issued) <= count && Stopwatch.GetTimestamp() < limit)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await create();
                    var end = Stopwatch.GetTimestamp();
                    latencies[w].Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
                    completed[Interlocked.Increment(ref done) - 1] = end;
                }
                catch (Exception e)
                {
                    if (Interlocked.Increment(ref failures) == 1) Console.Error.WriteLine($"fill: {e.Message}");
                    Interlocked.Decrement(ref issued); // try that one again
                }
            }
        }));
        var ended = Stopwatch.GetTimestamp();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        // The rate in each tenth of the fill, to see whether it drifts as tickets and reminder rows pile up.
        var tenths = new List<double>();
        for (var i = 1; i <= 10 && done >= 10; i++)
        {
            var from = i == 1 ? started : completed[done * (i - 1) / 10 - 1];
            var to = completed[done * i / 10 - 1];
            tenths.Add((done * i / 10 - done * (i - 1) / 10) / Stopwatch.GetElapsedTime(from, to).TotalSeconds);
        }
        return new FillResult(done, failures, Stopwatch.GetElapsedTime(started, ended).TotalSeconds, LoadRun.Percentile(all, 0.5),
            LoadRun.Percentile(all, 0.99), tenths, ended, TimeSpan.Zero) { EndedUtc = DateTimeOffset.UtcNow };
    }

    /// <summary>
    /// The silo idles after the fill until the first-reply targets of the live projects have
    /// fallen due and been recorded (or the requirement has passed for them), and Orleans has
    /// read the reminder table again (its refresh, every 5 minutes), which drops from memory the
    /// reminders registered outside its loading window; at most <see cref="IdleLimit"/>.
    /// </summary>
    private static async Task<IdleResult> Idle(WatchedSilo silo, NpgsqlDataSource db, Guid[] liveIds, Action<string> step)
    {
        var started = Stopwatch.GetTimestamp();
        var scansBefore = await TableScans(db);
        var lastDue = await Scalar<DateTimeOffset?>(db, "SELECT max(first_reply_due_at) FROM tickets WHERE project_id = ANY($1)", liveIds) ?? DateTimeOffset.UtcNow;
        var timeline = new List<MemoryPoint>();
        TimeSpan? refreshed = null;
        var nextSample = TimeSpan.Zero;
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (refreshed is null && await TableScans(db) > scansBefore) refreshed = elapsed;
            if (elapsed >= nextSample)
            {
                timeline.Add(await silo.Sample($"{elapsed.TotalMinutes:F1} min", db));
                nextSample += TimeSpan.FromSeconds(60);
            }
            var pending = await Scalar<long>(db,
                "SELECT count(*) FROM tickets WHERE project_id = ANY($1) AND first_reply_breached_at IS NULL AND first_reply_due_at <= now()", liveIds);
            var liveDone = DateTimeOffset.UtcNow > lastDue + TimeSpan.FromSeconds(5) && (pending == 0 || DateTimeOffset.UtcNow > lastDue + Requirement);
            if ((liveDone && refreshed is not null) || elapsed > IdleLimit) break;
            await Task.Delay(1000);
        }
        step($"idle for {Stopwatch.GetElapsedTime(started).TotalMinutes:F1} min; reminder table read again after {refreshed?.TotalMinutes:F1} min");
        return new IdleResult(Stopwatch.GetElapsedTime(started).TotalSeconds, refreshed, timeline);
    }

    /// <summary>Full reads of the reminder table: Orleans' range reads scan it (no index on the grain hash); nothing else does.</summary>
    private static async Task<long> TableScans(NpgsqlDataSource db) =>
        await Scalar<long>(db, "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'orleansreminderstable'");

    /// <summary>Counted through the primary key, so the count itself is not taken for a full read of the table.</summary>
    private static Task<long> ReminderRows(NpgsqlDataSource db) => Retry(async () =>
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SET enable_seqscan = off"),
                new NpgsqlBatchCommand("SELECT count(*) FROM orleansreminderstable WHERE serviceid IS NOT NULL"),
                new NpgsqlBatchCommand("RESET enable_seqscan"),
            },
        };
        // The SETs return no rows: the reader starts on the count.
        await using var reader = await batch.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    });

    /// <summary>Waits until the table holds <paramref name="rows"/> reminders; returns when (monotonic).</summary>
    private static async Task<long> WaitForReminderRows(NpgsqlDataSource db, int rows, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (await ReminderRows(db) < rows)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                Console.Error.WriteLine($"only {await ReminderRows(db)} of {rows} reminder rows after {timeout.TotalSeconds} s");
                break;
            }
            await Task.Delay(200);
        }
        return Stopwatch.GetTimestamp();
    }

    private static Task<T> Scalar<T>(NpgsqlDataSource db, string sql, params object[] parameters) => Retry(async () =>
    {
        await using var command = db.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return await command.ExecuteScalarAsync() switch
        {
            DateTime at when typeof(T) == typeof(DateTimeOffset) || typeof(T) == typeof(DateTimeOffset?) =>
                (T)(object)new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
            T value => value,
            _ => default!,
        };
    });

    /// <summary>The silo may hold every connection the server allows for a moment: the bench's queries wait their turn.</summary>
    private static async Task<T> Retry<T>(Func<Task<T>> query)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await query();
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.TooManyConnections && attempt < 120)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>Breaches that must not exist: before the due time, or on tickets whose targets are hours away.</summary>
    private static async Task<(long Early, long FarBreached)> Sanity(NpgsqlDataSource db, Guid[] farIds) => (
        await Scalar<long>(db, "SELECT count(*) FROM tickets WHERE first_reply_breached_at < first_reply_due_at OR resolve_breached_at < resolve_due_at"),
        await Scalar<long>(db, "SELECT count(*) FROM tickets WHERE project_id = ANY($1) AND (first_reply_breached_at IS NOT NULL OR resolve_breached_at IS NOT NULL)", farIds));

    private static void Report(int workers, int projectCount, int ticketCount, List<LoadResult> creation, FillResult fill, TimeSpan downStop,
        int slaTickets, int reminderRows, List<MemoryPoint> memory, IdleResult idle, List<StartResult> starts, Lateness underLoad, Lateness afterLoad, Lateness afterRestart,
        List<(string Phase, int Connections)> peaks, int connectionLimit, (long Early, long FarBreached) sanity)
    {
        static string Mb(long? bytes) => bytes is { } b ? $"{b / 1048576.0:F0}" : "n/a";
        static long? Live(MemoryPoint m) => m.Heap?.Live;
        static string PerTicket(long? after, long? before, long tickets) => after is { } a && before is { } b ? $"{(a - b) / (double)tickets:F0}" : "n/a";
        Console.WriteLine();
        Console.WriteLine($"## SLA reminders: workers={workers} projects={projectCount}+{projectCount}+{DownProjects}+2 tickets={ticketCount} cores={Environment.ProcessorCount}");
        Console.WriteLine();
        Console.WriteLine("Creation through the API (closed loop, same silo; the same number of projects without and with targets):");
        Console.WriteLine("| run | tickets/s | p50 ms | p99 ms | failures |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var r in creation) Console.WriteLine($"| {r.Name} | {r.PerSecond:F0} | {r.P50Ms:F1} | {r.P99Ms:F1} | {r.Failures} |");
        Console.WriteLine($"| fill, many projects, SLA: {fill.Created:N0} tickets in {fill.Seconds:F0} s | {fill.Created / fill.Seconds:F0} | {fill.P50Ms:F1} | {fill.P99Ms:F1} | {fill.Failures} |");
        Console.WriteLine();
        Console.WriteLine("| ratio | SLA / no SLA tickets/s | p50 | p99 |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (plain, sla, name) in new[] { (creation[0], creation[1], "many projects #1"), (creation[2], creation[3], "many projects #2"),
                     (creation[4], creation[5], "one hot project") })
            Console.WriteLine($"| {name} | {sla.PerSecond / plain.PerSecond:F2}x | {sla.P50Ms / plain.P50Ms:F2}x | {sla.P99Ms / plain.P99Ms:F2}x |");
        var plainRate = (creation[0].PerSecond + creation[2].PerSecond) / 2;
        if (fill.Tenths.Count > 0)
            Console.WriteLine($"fill rate by tenths (tickets/s): {string.Join(" · ", fill.Tenths.Select(t => t.ToString("F0")))}; " +
                              $"last tenth / first: {fill.Tenths[^1] / fill.Tenths[0]:F2}x; fill / no-SLA many (mean of 2): {fill.Created / fill.Seconds / plainRate:F2}x");
        Console.WriteLine($"reminder rows complete {fill.RegistrationLag.TotalSeconds:F1} s after the fill's last answer; " +
                          $"at the restart: {slaTickets:N0} tickets with targets, {reminderRows:N0} reminder rows");
        Console.WriteLine();

        Console.WriteLine("Silo memory. RSS = VmRSS as found; then a heap dump forces a full GC and walks the heap: live objects; " +
                          "GC heap = the GC's own heap size after that collection (live objects and the free space between them); " +
                          "committed = memory the GC holds; reminders in memory = Orleans LocalReminderData objects (ticking or stopped):");
        Console.WriteLine("| when | open tickets | reminder rows | RSS MB | peak RSS MB | live objects MB | GC heap MB | GC committed MB | reminders in memory | ticket activations |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in memory)
            Console.WriteLine($"| {m.Name} | {m.OpenTickets:N0} | {m.ReminderRows:N0} | {Mb(m.Rss)} | {Mb(m.PeakRss)} | {Mb(m.Heap?.Live)} | {Mb(m.Gc?.Heap)} | " +
                              $"{Mb(m.Gc?.Committed)} | {m.Heap?.LocalReminders:N0} | {m.Heap?.TicketGrains:N0} |");
        var zero = memory.First(m => m.Name == "0 tickets");
        var filled = memory.First(m => m.Name.StartsWith("after the fill", StringComparison.Ordinal));
        var idled = memory.First(m => m.Name.StartsWith("idle", StringComparison.Ordinal));
        var empty = memory.Where(m => m.Name.StartsWith("restarted, empty", StringComparison.Ordinal)).ToList();
        var full = memory[^1];
        var (emptyRss, emptyHeap) = ((long)empty.Average(m => m.Rss), empty.All(m => Live(m) is not null) ? (long?)empty.Average(m => Live(m)!.Value) : null);
        Console.WriteLine();
        Console.WriteLine("| per reminder row | RSS ratio | RSS bytes/row | live objects ratio | live object bytes/row |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var (name, m, rss, heap) in new[] { ("after the fill vs 0 tickets", filled, zero.Rss, Live(zero)), ("idle after the fill vs 0 tickets", idled, zero.Rss, Live(zero)),
                     ("restarted: full vs empty table", full, emptyRss, emptyHeap) })
            Console.WriteLine($"| {name} | {(double)m.Rss / rss:F2}x | {PerTicket(m.Rss, rss, m.ReminderRows)} | " +
                              $"{(Live(m) is { } a && heap is { } b ? $"{(double)a / b:F2}x" : "n/a")} | {PerTicket(Live(m), heap, m.ReminderRows)} |");
        Console.WriteLine($"idle timeline (RSS MB / live objects MB / reminders in memory / ticket activations): " +
                          string.Join(" · ", idle.Timeline.Select(m => $"{m.Name} {Mb(m.Rss)}/{Mb(Live(m))}/{m.Heap?.LocalReminders}/{m.Heap?.TicketGrains}")));
        Console.WriteLine($"reminder table read again by Orleans {(idle.Refreshed is { } again ? $"{again.TotalMinutes:F1} min" : "not")} into the {idle.Seconds / 60:F1} min idle");
        Console.WriteLine();

        Console.WriteLine("Starts (from the process start; 'read' = Orleans' initial read of its reminder range, from its debug log):");
        Console.WriteLine("| start | ready s | read began s | read ended s | rows read | read took s | stopped (SIGTERM) in s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var s in starts)
            Console.WriteLine($"| {s.Name} | {s.Ready.TotalSeconds:F2} | {s.ReadBegan?.TotalSeconds:F2} | {s.Loaded?.TotalSeconds:F2} | {s.Rows:N0} | {(s.Loaded - s.ReadBegan)?.TotalSeconds:F2} | {s.Stop.TotalSeconds:F2} |");
        Console.WriteLine($"| the loaded silo (C) | | | | | | {downStop.TotalSeconds:F2} |");
        var baseline = starts.Where(s => s.Rows == 0).ToList();
        double Mean(Func<StartResult, TimeSpan?> f) => baseline.Average(s => f(s)?.TotalSeconds ?? double.NaN);
        foreach (var s in starts.Where(s => s.Rows > 0))
            Console.WriteLine($"{s.Name} / empty table (mean of {baseline.Count}): ready {s.Ready.TotalSeconds / Mean(b => b.Ready):F2}x, " +
                              $"read ended {s.Loaded?.TotalSeconds / Mean(b => b.Loaded):F2}x");
        Console.WriteLine();

        Console.WriteLine($"Breach lateness = breached_at - due_at (requirement: within {Requirement.TotalMinutes:F0} min):");
        Console.WriteLine("| tickets | due | recorded | p50 s | p99 s | max s | within 2 min |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| first reply due while tickets were being created | {underLoad.Row()} |");
        Console.WriteLine($"| first reply due after the fill, silo idle | {afterLoad.Row()} |");
        Console.WriteLine($"| first reply due while the silo was down ({starts.First(s => s.Downtime is not null).Downtime?.TotalSeconds:F0} s) | {afterRestart.Row()} |");
        if (afterRestart.AfterReady is { Length: > 0 } ready)
            Console.WriteLine($"after the restart: recorded {LoadRun.Percentile(ready, 0.5):F1} / {LoadRun.Percentile(ready, 0.99):F1} / {ready[^1]:F1} s (p50/p99/max) after the silo was ready, " +
                              $"{LoadRun.Percentile(afterRestart.AfterLoaded!, 0.5):F1} / {LoadRun.Percentile(afterRestart.AfterLoaded!, 0.99):F1} / {afterRestart.AfterLoaded![^1]:F1} s after its reminders were read");
        Console.WriteLine($"breaches before the due time: {sanity.Early}; breaches on tickets whose targets are hours away: {sanity.FarBreached}");
        Console.WriteLine($"peak silo connections to PostgreSQL (max_connections {connectionLimit}): {string.Join(" · ", peaks.Select(p => $"{p.Phase} {p.Connections}"))}");
    }

    /// <summary>A silo process with its GC counters and a watch on Orleans' reminder-service debug lines.</summary>
    private sealed partial class WatchedSilo : IDisposable
    {
        private readonly TaskCompletionSource<(long At, int Rows)> _read = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _readBegan;

        private WatchedSilo(SiloProcess process)
        {
            Process = process;
            Gc = GcCounters.Attach(process.Pid);
        }

        public SiloProcess Process { get; }

        public GcCounters Gc { get; }

        /// <summary>
        /// With <paramref name="debugReminders"/>, Orleans' reminder service logs at debug level
        /// (the only way to see when its initial read of the table begins and ends); only for
        /// starts that create nothing, as it logs a few lines per registration.
        /// </summary>
        public static WatchedSilo Start(SiloSettings settings, bool debugReminders)
        {
            var silo = new WatchedSilo(SiloProcess.Start(debugReminders
                ? settings with { Environment = new Dictionary<string, string> { [ReminderLog] = "Debug" } }
                : settings));
            silo.Process.Line += silo.Watch;
            return silo;
        }

        private void Watch(string line, long at)
        {
            if (_readBegan == 0 && line.Contains("Reading rows from", StringComparison.Ordinal)) Interlocked.CompareExchange(ref _readBegan, at, 0);
            else if (ReadRows().Match(line) is { Success: true } read) _read.TrySetResult((at, int.Parse(read.Groups[1].Value)));
        }

        [GeneratedRegex(@"I read in (\d+) reminders from table")]
        private static partial Regex ReadRows();

        /// <summary>Ready, then the end of the reminder service's initial read of the table.</summary>
        public async Task<StartResult> Measure(string name, HttpClient http)
        {
            var ready = await Process.WaitReady(http);
            var (at, rows) = await _read.Task.WaitAsync(TimeSpan.FromMinutes(3));
            return new StartResult(name, ready, _readBegan == 0 ? null : Stopwatch.GetElapsedTime(Process.Started, _readBegan),
                Stopwatch.GetElapsedTime(Process.Started, at), rows, TimeSpan.Zero, null);
        }

        /// <summary>
        /// Resident memory as it is, then a heap dump (which first runs a full GC), then the GC's
        /// own figures after that collection: live heap and committed memory.
        /// </summary>
        public async Task<MemoryPoint> Sample(string name, NpgsqlDataSource db)
        {
            var (rss, peak) = Process.Memory();
            Directory.CreateDirectory(Results);
            var slug = Regex.Replace(name, "[^a-z0-9]+", "-").Trim('-');
            var heap = await HeapDump.Take(Process.Pid, Path.Combine(Results, $"{DateTime.UtcNow:HHmmss}-{slug}.txt"));
            // dotnet-counters reads once a second, and needs a few seconds after it attaches before its first reading.
            await Task.Delay(TimeSpan.FromSeconds(2));
            for (var i = 0; i < 30 && Gc.Attached && Gc.Latest() is null; i++) await Task.Delay(500);
            return new MemoryPoint(name, await Scalar<long>(db, "SELECT count(*) FROM tickets WHERE closed_at IS NULL"), await ReminderRows(db), rss, peak,
                heap, Gc.Latest());
        }

        public void Dispose()
        {
            Process.Dispose();
            Gc.Dispose();
        }
    }

    /// <summary>
    /// The peak number of the silo's connections to PostgreSQL (every client but the bench's
    /// own), sampled four times a second on a connection of its own, so it keeps its place when
    /// the server is full.
    /// </summary>
    private sealed class ConnectionWatch : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _loop = Task.CompletedTask;
        private int _peak;

        /// <summary>The server's <c>max_connections</c>.</summary>
        public int Limit { get; private set; }

        public static ConnectionWatch Start(NpgsqlDataSource db)
        {
            var watch = new ConnectionWatch();
            watch._loop = watch.Loop(db);
            return watch;
        }

        private async Task Loop(NpgsqlDataSource db)
        {
            await using var connection = await db.OpenConnectionAsync();
            await using (var limit = new NpgsqlCommand("SHOW max_connections", connection))
                Limit = int.Parse((string)(await limit.ExecuteScalarAsync())!);
            await using var count = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> $1", connection)
            {
                Parameters = { new NpgsqlParameter { Value = BenchApplication } },
            };
            while (!_stop.IsCancellationRequested)
            {
                var connections = (int)(long)(await count.ExecuteScalarAsync())!;
                for (var peak = Volatile.Read(ref _peak); connections > peak; peak = Volatile.Read(ref _peak))
                    if (Interlocked.CompareExchange(ref _peak, connections, peak) == peak) break;
                try { await Task.Delay(250, _stop.Token); }
                catch (OperationCanceledException) { }
            }
        }

        /// <summary>The peak since the last call.</summary>
        public int TakePeak() => Interlocked.Exchange(ref _peak, 0);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }

    private sealed record FillResult(int Created, int Failures, double Seconds, double P50Ms, double P99Ms, List<double> Tenths, long Ended,
        TimeSpan RegistrationLag)
    {
        /// <summary>When the last creation of the fill answered, on the wall clock (the silo's breach timestamps are on it too).</summary>
        public DateTimeOffset EndedUtc { get; init; }
    }

    private sealed record IdleResult(double Seconds, TimeSpan? Refreshed, List<MemoryPoint> Timeline);

    private sealed record MemoryPoint(string Name, long OpenTickets, long ReminderRows, long Rss, long PeakRss, HeapReading? Heap, GcReading? Gc);

    private sealed record StartResult(string Name, TimeSpan Ready, TimeSpan? ReadBegan, TimeSpan? Loaded, int Rows, TimeSpan Stop, TimeSpan? Downtime);

    /// <summary>How late first-reply breaches were recorded, over the tickets of some projects whose target has passed.</summary>
    private sealed record Lateness(int Due, int Recorded, double[] Seconds, int WithinRequirement, double[]? AfterReady, double[]? AfterLoaded)
    {
        public static async Task<Lateness> Of(NpgsqlDataSource db, Guid[] projects, DateTimeOffset now,
            (DateTimeOffset Ready, DateTimeOffset Loaded)? reference, DateTimeOffset? dueAfter = null)
        {
            var rows = (await Retry(() => Read(db, projects, now))).Where(r => dueAfter is null || r.Due > dueAfter).ToList();
            var recorded = rows.Where(r => r.Breached is not null).ToList();
            double[] Sorted(Func<(DateTimeOffset Due, DateTimeOffset? Breached), TimeSpan> f) => recorded.Select(r => f(r).TotalSeconds).Order().ToArray();
            return new Lateness(rows.Count, recorded.Count, Sorted(r => r.Breached!.Value - r.Due),
                recorded.Count(r => r.Breached!.Value - r.Due <= Requirement),
                reference is { } a ? Sorted(r => r.Breached!.Value - a.Ready) : null,
                reference is { } b ? Sorted(r => r.Breached!.Value - b.Loaded) : null);
        }

        private static async Task<List<(DateTimeOffset Due, DateTimeOffset? Breached)>> Read(NpgsqlDataSource db, Guid[] projects, DateTimeOffset now)
        {
            await using var command = db.CreateCommand("""
                SELECT first_reply_due_at, first_reply_breached_at FROM tickets
                 WHERE project_id = ANY($1) AND first_reply_due_at <= $2 AND first_reply_at IS NULL
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = projects });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            var rows = new List<(DateTimeOffset Due, DateTimeOffset? Breached)>();
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                    rows.Add((reader.GetFieldValue<DateTimeOffset>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1)));
            return rows;
        }

        public string Row() => Seconds.Length == 0
            ? $"{Due:N0} | {Recorded:N0} | | | | "
            : $"{Due:N0} | {Recorded:N0} | {LoadRun.Percentile(Seconds, 0.5):F2} | {LoadRun.Percentile(Seconds, 0.99):F2} | {Seconds[^1]:F2} | " +
              $"{WithinRequirement:N0} ({100.0 * WithinRequirement / Math.Max(Due, 1):F1} %)";
    }
}
