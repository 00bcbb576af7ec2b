using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Bench.Live;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench;

/// <summary>
/// The messenger webhook's intake: Telegram updates POSTed to a bot's webhook at
/// <c>connections</c> connections (closed loop, as Telegram keeps several connections busy),
/// acknowledged updates per second and p50/p95/p99, against the raw baseline measured in the same
/// run: one <c>INSERT … ON CONFLICT DO NOTHING</c> of the update per transaction through Npgsql,
/// into a table shaped like the inbox. Then every acknowledged update is counted: stored once in
/// the inbox and applied once (a ticket's first message or a message in the customer's open
/// ticket, each carrying its own mark), in each chat's order.
/// </summary>
public static class WebhookIntakeBench
{
    /// <summary>Chats per connection: each connection is a handful of customers writing one after another.</summary>
    private const int ChatsPerConnection = 8;

    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(5);

    public static async Task Run(string connectionString, string siloDll, FakeSmtpServer smtp, int connections, TimeSpan warmup, TimeSpan duration)
    {
        await using var telegram = await FakeTelegramServer.Start();
        var port = 5400 + Random.Shared.Next(500);
        var settings = new SiloSettings(siloDll, connectionString, $"http://127.0.0.1:{port}", smtp.Port, SiloSettings.NewClusterId())
        {
            Environment = new Dictionary<string, string> { ["Zapnoty__Telegram__ApiBaseUrl"] = telegram.BaseUrl },
        };
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections }) { BaseAddress = new Uri(settings.Url) };
        using var silo = SiloProcess.Start(settings);
        await silo.WaitReady(http);
        var api = new ZapnotyApi(http);
        await api.LogIn(smtp);
        var project = await api.CreateProject();
        var bot = telegram.AddBot();
        await api.ConnectTelegram(project, bot.Token);
        var secret = telegram.WebhookOf(bot)?.SecretToken ?? throw new InvalidOperationException("Connecting the bot set no webhook");
        var webhook = new TelegramWebhookPoster(http, bot, secret);
        await using var db = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = connections + 10 } }.Build();

        var chats = Enumerable.Range(0, connections).Select(_ =>
            Enumerable.Range(0, ChatsPerConnection).Select(_ => TelegramCustomer.New("Bench", "Customer", null)).ToArray()).ToArray();
        var turns = new int[connections];
        var mark = 0;
        string NextUpdate(int connection)
        {
            var customer = chats[connection][turns[connection]++ % ChatsPerConnection];
            return TelegramUpdateBuilder.Text(customer, $"intake {Interlocked.Increment(ref mark)}: where is my order? It was due yesterday");
        }

        // The baseline first, on a quiet silo: afterwards the silo is still applying the webhook's backlog.
        // Both runs (and the drain, which is part of the work) in one quiet window: the target is stated for an idle machine.
        await using var quiet = await QuietWindow.Open();
        await RawTable(db);
        var rawKey = 0L;
        var raw = await LoadRun.Measure("raw insert (Npgsql)", connections, warmup, duration,
            connection => RawInsert(db, Interlocked.Increment(ref rawKey), chats[connection][0].ChatId, NextUpdate(connection)), db);

        var acked = new ConcurrentQueue<string>();
        var profiled = await StatementProfile.Reset(db);
        var loadBefore = LiveBench.LoadAverage();
        var intake = await LoadRun.Measure("webhook acknowledged", connections, warmup, duration, async connection =>
        {
            var update = NextUpdate(connection);
            await webhook.Post(update);
            acked.Enqueue(update);
        }, db);
        var loadAfter = LiveBench.LoadAverage();

        // Every acknowledged update (the warm-up's too) must come out applied once.
        var draining = Stopwatch.StartNew();
        var applied = await Applied(db, project.Id);
        while (applied.Messages < acked.Count && draining.Elapsed < DrainLimit)
        {
            await Task.Delay(250);
            applied = await Applied(db, project.Id);
        }
        var drained = draining.Elapsed;
        var stored = await Stored(db, bot.Id.ToString());
        var outOfOrder = await OutOfOrderChats(db, project.Id);

        Console.WriteLine();
        Console.WriteLine($"webhook-intake: connections={connections} duration={duration.TotalSeconds}s cores={Environment.ProcessorCount} " +
            $"load average {loadBefore} before, {loadAfter} after the webhook run; {connections * ChatsPerConnection} chats");
        Console.WriteLine("| run | updates/s | p50 ms | p95 ms | p99 ms | failures | transactions/update |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in new[] { raw, intake })
            Console.WriteLine($"| {r.Name} | {r.PerSecond:F0} | {r.P50Ms:F2} | {r.P95Ms:F2} | {r.P99Ms:F2} | {r.Failures} | {r.PerRequest(d => d.Transactions)} |");
        Console.WriteLine($"webhook/raw: {intake.PerSecond / raw.PerSecond:F3}x the rate (target >= 0.1x), p99 {intake.P99Ms:F1} ms (target < 50 ms)");
        Console.WriteLine($"acknowledged {acked.Count} (warm-up included); stored {stored.Rows}, still waiting {stored.Waiting}; " +
            $"applied {applied.Messages} customer messages, {applied.Distinct} distinct, in {applied.Tickets} tickets; " +
            $"{outOfOrder} chats out of order; drained {drained.TotalSeconds:F1}s after the run");
        var once = stored.Rows == acked.Count && stored.Waiting == 0 && applied.Messages == acked.Count && applied.Distinct == acked.Count && outOfOrder == 0;
        Console.WriteLine($"every acknowledged update stored and applied exactly once, in order: {once}");
        Console.WriteLine(quiet);
        // Acknowledging and applying together, over the run and the drain.
        if (profiled) await StatementProfile.Print(db, acked.Count);
    }

    private static async Task RawTable(NpgsqlDataSource db)
    {
        // The inbox's shape and indexes (primary key, waiting index), without its bots reference.
        await using var command = db.CreateCommand("DROP TABLE IF EXISTS bench_raw_updates; CREATE TABLE bench_raw_updates (LIKE channel_updates INCLUDING ALL)");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The baseline: the update's row, one autocommitted statement, duplicates ignored as the inbox does.</summary>
    private static async Task RawInsert(NpgsqlDataSource db, long key, long chatId, string update)
    {
        await using var command = db.CreateCommand("""
            INSERT INTO bench_raw_updates (bot_id, update_key, chat_id, payload, received_at) VALUES ($1, $2, $3, $4::jsonb, now())
            ON CONFLICT (bot_id, update_key) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Empty });
        command.Parameters.Add(new NpgsqlParameter { Value = key.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = chatId.ToString() });
        command.Parameters.Add(new NpgsqlParameter { Value = update, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<(long Messages, long Distinct, long Tickets)> Applied(NpgsqlDataSource db, Guid projectId)
    {
        await using var command = db.CreateCommand("""
            SELECT count(*), count(DISTINCT text), count(DISTINCT ticket_id) FROM ticket_messages
             WHERE project_id = $1 AND author = 'customer' AND text LIKE 'intake %'
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task<(long Rows, long Waiting)> Stored(NpgsqlDataSource db, string externalBotId)
    {
        await using var command = db.CreateCommand("""
            SELECT count(*), count(*) FILTER (WHERE u.processed_at IS NULL)
              FROM channel_updates u JOIN bots b ON b.id = u.bot_id WHERE b.channel = 'telegram' AND b.external_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = externalBotId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Tickets whose customer messages are not in the order the chat sent them (marks rise within a chat).</summary>
    private static async Task<long> OutOfOrderChats(NpgsqlDataSource db, Guid projectId)
    {
        await using var command = db.CreateCommand("""
            SELECT count(DISTINCT ticket_id) FROM (
                SELECT ticket_id, split_part(substr(text, 8), ':', 1)::bigint AS mark,
                       lag(split_part(substr(text, 8), ':', 1)::bigint) OVER (PARTITION BY ticket_id ORDER BY seq) AS previous
                  FROM ticket_messages WHERE project_id = $1 AND author = 'customer' AND text LIKE 'intake %') m
             WHERE mark < previous
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
