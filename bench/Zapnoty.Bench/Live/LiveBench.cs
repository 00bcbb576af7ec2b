using System.Diagnostics;
using System.Text;
using Npgsql;
using Zapnoty.Bench.Cluster;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench.Live;

/// <summary>
/// Live updates across the cluster: two silo processes over one PostgreSQL; many dashboards hold
/// event streams on silo B while customers' Telegram updates (half open new tickets, half are new
/// messages in open ones) are posted to silo A's bot webhook at a steady rate, as Telegram posts
/// them. For each update: the time from the POST until each stream on B read its
/// <c>ticket.created</c> / <c>message.created</c>, and whether any stream never got it. The
/// baseline, measured per update in the same run: A's acknowledgement of the same POST plus one
/// <c>pg_notify</c> hop between two raw connections (<see cref="NotifyBaseline"/>).
/// </summary>
public static class LiveBench
{
    /// <summary>Customers whose tickets are open before the measurement; the "message" half writes into them.</summary>
    private const int OpenTickets = 50;

    /// <summary>The production cap of streams per person (or key) per silo (<c>Zapnoty:Live:StreamsPerPerson</c>).</summary>
    private const int DefaultStreamsPerKey = 5;

    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(20);

    public static async Task Run(string connectionString, string siloDll, FakeSmtpServer smtp, int connections, TimeSpan duration, int perSecond)
    {
        // A project holds at most 50 active keys and invites 20 people an hour: past 250 streams the
        // per-person cap is raised on the silos so 50 keys carry them (each stream costs the same).
        var perKey = Math.Max(DefaultStreamsPerKey, (int)Math.Ceiling(connections / (double)ApiKeyLimits.MaxActivePerProject));
        var keyCount = (int)Math.Ceiling(connections / (double)perKey);
        var updates = (int)(duration.TotalSeconds * perSecond);
        var ports = ClusterCheck.FreePorts();
        var clusterId = SiloSettings.NewClusterId();
        await using var telegram = await FakeTelegramServer.Start();
        SiloSettings Silo(int i) => new(siloDll, connectionString, ports.Url(i).ToString().TrimEnd('/'), smtp.Port, clusterId)
        {
            Environment = new Dictionary<string, string>
            {
                ["Orleans__SiloPort"] = ports.SiloPort(i).ToString(),
                ["Orleans__GatewayPort"] = "0",
                ["Zapnoty__Telegram__ApiBaseUrl"] = telegram.BaseUrl,
                ["Zapnoty__Live__StreamsPerPerson"] = perKey.ToString(),
            },
        };
        using var httpA = new HttpClient { BaseAddress = ports.Url(1) };
        using var httpB = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections + 16 })
            { BaseAddress = ports.Url(2), Timeout = Timeout.InfiniteTimeSpan };
        using var siloA = SiloProcess.Start(Silo(1));
        await siloA.WaitReady(httpA);
        using var siloB = SiloProcess.Start(Silo(2));
        await siloB.WaitReady(httpB);

        var api = new ZapnotyApi(httpA);
        await api.LogIn(smtp);
        var project = await api.CreateProject();
        var bot = telegram.AddBot();
        await api.ConnectTelegram(project, bot.Token);
        var secret = telegram.WebhookOf(bot)?.SecretToken ?? throw new InvalidOperationException("Connecting the bot set no webhook");
        var keys = new List<string> { project.Key };
        for (var i = 1; i < keyCount; i++) keys.Add(await api.CreateApiKey(project, $"dashboard {i}", "tickets:read"));

        await using var db = NpgsqlDataSource.Create(connectionString);
        var webhook = new TelegramWebhookPoster(httpA, bot, secret);
        var customers = Enumerable.Range(0, OpenTickets).Select(_ => TelegramCustomer.New("Bench", "Customer", null)).ToList();
        foreach (var customer in customers) await webhook.Post(TelegramUpdateBuilder.Text(customer, "Hello, my parcel is late"));
        await WaitForTickets(db, project.Id, OpenTickets);

        Console.WriteLine($"live: opening {connections} streams on silo B ({keyCount} keys, up to {perKey} streams each)...");
        await using var dashboards = await LiveDashboards.Open(httpB, project.Id, keys, perKey, connections, updates);
        await using var baseline = await NotifyBaseline.Start(connectionString);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var loadBefore = LoadAverage();

        var sent = new long[updates];
        var acks = new double[updates];
        var hops = new double[updates];
        var failures = 0;
        var start = Stopwatch.GetTimestamp();
        var posts = new List<Task>(updates);
        for (var i = 0; i < updates; i++)
        {
            var due = start + i * Stopwatch.Frequency / perSecond;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var update = i;
            posts.Add(Task.Run(async () =>
            {
                // Even updates come from a new customer (a new ticket), odd ones from a customer with an open ticket.
                var customer = update % 2 == 0 ? TelegramCustomer.New("Bench", "Customer", null) : customers[update / 2 % customers.Count];
                var body = TelegramUpdateBuilder.Text(customer, $"{LiveDashboards.Mark(update)}: where is my order? It was due yesterday");
                sent[update] = Stopwatch.GetTimestamp();
                try
                {
                    acks[update] = (await webhook.Post(body)).TotalMilliseconds;
                    hops[update] = (await baseline.RoundTrip(update)).TotalMilliseconds;
                }
                catch (Exception e)
                {
                    sent[update] = 0;
                    if (Interlocked.Increment(ref failures) == 1) Console.Error.WriteLine($"live: update {update}: {e.Message}");
                }
            }));
        }
        await Task.WhenAll(posts);
        var sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var draining = Stopwatch.StartNew();
        while (Missing(dashboards, sent) > 0 && draining.Elapsed < DrainLimit) await Task.Delay(100);
        var loadAfter = LoadAverage();

        new LiveReport(dashboards, sent, acks, hops, failures, perSecond, sendSeconds, keyCount, perKey)
        {
            LoadBefore = loadBefore, LoadAfter = loadAfter, SiloA = siloA.Memory().Rss, SiloB = siloB.Memory().Rss,
        }.Print();
    }

    private static long Missing(LiveDashboards dashboards, long[] sent)
    {
        long missing = 0;
        for (var update = 0; update < sent.Length; update++)
            if (sent[update] != 0)
                for (var stream = 0; stream < dashboards.Streams; stream++)
                    if (dashboards.Arrival(update, stream) == 0) missing++;
        return missing;
    }

    private static async Task WaitForTickets(NpgsqlDataSource db, Guid projectId, int count)
    {
        var waiting = Stopwatch.StartNew();
        while (waiting.Elapsed < TimeSpan.FromSeconds(60))
        {
            await using var command = db.CreateCommand("SELECT count(*) FROM tickets WHERE project_id = $1");
            command.Parameters.Add(new() { Value = projectId });
            if ((long)(await command.ExecuteScalarAsync())! >= count) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"The {count} customers' tickets were not opened within a minute");
    }

    /// <summary>The 1-minute load average, as <c>/proc/loadavg</c> says.</summary>
    internal static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}

/// <summary>Posts updates to a bot's webhook route on a silo as Telegram does: the secret token header, 200 or a failure.</summary>
public sealed class TelegramWebhookPoster(HttpClient silo, FakeBot bot, string secret)
{
    /// <summary>Returns how long the silo took to acknowledge the update.</summary>
    public async Task<TimeSpan> Post(string update)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/channels/telegram/{bot.Id}/webhook")
            { Content = new StringContent(update, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        var started = Stopwatch.GetTimestamp();
        using var response = await silo.SendAsync(request);
        if ((int)response.StatusCode != 200)
            throw new InvalidOperationException($"The webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Stopwatch.GetElapsedTime(started);
    }
}
