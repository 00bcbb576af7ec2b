using System.Net;
using System.Net.Sockets;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench.Cluster;

/// <summary>
/// The multi-silo proof, run by <c>scripts/test.sh</c>: three real silos started by
/// <c>scripts/cluster.sh</c> under a steady load of ticket creations and replies through a
/// balancer; silo 1 is stopped gracefully (SIGTERM), silo 2 is killed (SIGKILL), silo 4 is
/// added. Then the database must hold every acknowledged write exactly once with gapless
/// numbers, SLA breaches must keep being recorded and webhooks keep arriving. Asserts
/// behaviour only; the times it measures are reported, for docs/BENCHMARKS.md.
/// </summary>
public static class ClusterCheck
{
    /// <summary>Resolution target of the SLA project: 0.006 h = 21.6 s, so targets fall due during the run.</summary>
    private const decimal SlaResolveHours = 0.006m;

    public static async Task<int> Run(string connectionString, string root)
    {
        // Generous: on a loaded shared machine starting a silo alone has taken minutes.
        var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(15)).Token;
        var ports = FreePorts();
        var clusterId = "check-" + Guid.NewGuid().ToString("N")[..8];
        var dir = Directory.CreateTempSubdirectory("zapnoty-cluster-check.").FullName;
        await using var smtp = new FakeSmtpServer();
        await using var receiver = await WebhookReceiver.Start();
        await using var db = NpgsqlDataSource.Create(connectionString);
        var cluster = new LocalCluster(root, dir, ports, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Zapnoty__Smtp__Host"] = "127.0.0.1",
            ["Zapnoty__Smtp__Port"] = smtp.Port.ToString(),
            ["Zapnoty__Smtp__Security"] = "None", // the fake relay on loopback speaks plain SMTP
            // The receiver is on 127.0.0.1, which production refuses (SSRF guard).
            ["Zapnoty__Webhooks__AllowPrivateTargets"] = "true",
            // Minutes in production; seconds here, so breaches and late deliveries happen within the run.
            ["Zapnoty__Sla__ReminderPeriod"] = "00:00:05",
            ["Zapnoty__Sla__SweepPeriod"] = "00:00:05",
            ["Zapnoty__Webhooks__SweepPeriod"] = "00:00:05",
            ["Zapnoty__Webhooks__RetryDelays__0"] = "00:00:01",
            ["Zapnoty__Webhooks__RetryDelays__1"] = "00:00:02",
            ["Zapnoty__Webhooks__RetryDelays__2"] = "00:00:05",
            ["Zapnoty__Webhooks__RetryDelays__3"] = "00:00:10",
            // The load comes from one agent and one key; this proves failover, not the published limits.
            ["Zapnoty__RateLimits__Enabled"] = "false",
            // The check's projects get their credits without a payment: a development-only switch.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Zapnoty__Billing__DevelopmentGrants"] = "true",
        });
        Console.WriteLine($"Cluster check: cluster {clusterId}, silo logs in {dir}");
        try
        {
            return await Prove(cluster, db, smtp, receiver, clusterId, cancel);
        }
        finally
        {
            await cluster.Stop(CancellationToken.None);
        }
    }

    private static async Task<int> Prove(LocalCluster cluster, NpgsqlDataSource db, FakeSmtpServer smtp, WebhookReceiver receiver, string clusterId,
        CancellationToken cancel)
    {
        var ports = cluster.Ports;
        await cluster.Start(3, cancel);

        using var setupHttp = new HttpClient { BaseAddress = ports.Url(3) };
        var api = new ZapnotyApi(setupHttp);
        await api.LogIn(smtp);
        var busy = await api.CreateProject();
        var sla = await api.CreateProject();
        await api.SetSla(sla, null, SlaResolveHours);
        var inboxes = new[] { (busy, receiver.Open("busy")), (sla, receiver.Open("sla")) };
        foreach (var (project, inbox) in inboxes) inbox.Secret = await api.Subscribe(project, inbox.Url);

        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(40) };
        await using var balancer = new Balancer(http, ports);
        balancer.Start([1, 2, 3]);
        var load = new ClusterLoad(balancer, busy, sla);
        using var stopLoad = new CancellationTokenSource();
        var running = load.Run(stopLoad.Token);
        var membership = new Membership(db, clusterId);

        await Task.Delay(TimeSpan.FromSeconds(10), cancel);
        var burn = await Burn(cluster, membership, cancel);
        var terminated = DateTimeOffset.UtcNow;
        cluster.Terminate(1);
        var stopTook = await Exited(cluster, 1, TimeSpan.FromSeconds(45), cancel);
        var silo1Status = await membership.Status(ports.SiloPort(1), cancel);

        await Task.Delay(TimeSpan.FromSeconds(5), cancel);
        var retriedBeforeKill = cluster.CountInLogs(RetryLogLine);
        var killed = DateTimeOffset.UtcNow;
        cluster.Kill(2);
        var declaredDead = membership.WaitDead(ports.SiloPort(2), TimeSpan.FromMinutes(3), cancel);

        await Task.Delay(TimeSpan.FromSeconds(5), cancel);
        var adding = DateTimeOffset.UtcNow;
        balancer.Add(4);
        await cluster.Add(4, cancel);
        var addTook = DateTimeOffset.UtcNow - adding;

        // Load goes on until the dead silo is out of the cluster and well after, so the
        // survivors and the new silo are seen serving on their own.
        var deadAt = await declaredDead;
        var loadUntil = Max(deadAt ?? DateTimeOffset.UtcNow, killed + TimeSpan.FromSeconds(30)) + TimeSpan.FromSeconds(15);
        await Task.Delay(Max(loadUntil - DateTimeOffset.UtcNow, TimeSpan.Zero), cancel);
        await stopLoad.CancelAsync();
        await running;
        var loadEnded = DateTimeOffset.UtcNow;
        var retriedAfterKill = cluster.CountInLogs(RetryLogLine) - retriedBeforeKill;

        var verdict = new ClusterVerdict(db);
        var slaResult = await SlaCheck.Run(verdict, sla.Id, killed, cancel);
        var webhookResult = await WebhookCheck.Run(verdict, inboxes, killed, cancel);
        await verdict.TicketsStoredOnce(load.Tickets, cancel);
        await verdict.RepliesStoredOnce(load.Replies, cancel);
        var busyCount = await verdict.NumbersGapless(busy.Id, "busy project", cancel);
        var slaCount = await verdict.NumbersGapless(sla.Id, "SLA project", cancel);
        var failed = balancer.Attempts.Where(a => !a.Succeeded).ToList();
        var appliedAnyway = await verdict.AppliedWithoutAnswer(failed, cancel);

        var exitedAt = terminated + stopTook;
        var drainProbes = balancer.Probes.Where(p => p.Silo == 1 && p.At > terminated && p.At < exitedAt).ToList();
        verdict.Require(drainProbes.Any(p => p.Status == 503), "silo 1 never answered /health/ready with 503 while it shut down");
        verdict.Require(silo1Status == Membership.Dead, $"silo 1 did not leave the cluster gracefully (membership status {silo1Status})");
        verdict.Require(cluster.Log(1).Contains("Shut down in", StringComparison.Ordinal), "silo 1 did not finish its shutdown (no 'Shut down in' in its log)");
        verdict.Require(deadAt is not null, "the killed silo 2 was never declared dead");
        verdict.Require(balancer.Attempts.Any(a => a.Silo == 4 && a.Succeeded), "the added silo 4 served no request");
        var stopFailures = balancer.Attempts.Where(a => a.Status >= 500 && a.Ended >= terminated && a.Ended < killed).ToList();
        // None at all: a call the leaving silo may have run (SiloUnavailableException after it
        // was sent) is a write the API keyed (WriteKey), so GrainCallRetry sends it again and the
        // grain answers what the first run stored (docs/DESIGN.md "Idempotent writes").
        verdict.Require(stopFailures.Count == 0,
            $"the graceful stop of silo 1 cost {stopFailures.Count} answers of 5xx ({string.Join(", ", stopFailures.Select(a => $"{a.Operation} on silo {a.Silo}: {a.Status}"))})");
        var killFailures = failed.Where(a => a.Ended >= killed).ToList();
        var killWindow = killFailures.Count == 0 ? TimeSpan.Zero : killFailures.Max(a => a.Ended) - killed;
        verdict.Require(killWindow <= KillWindowBound, $"requests failed until {killWindow.TotalSeconds:F1} s after the kill (bound {KillWindowBound.TotalSeconds} s)");
        verdict.Require(burn is not { WrongfulDeaths: > 0 }, $"{burn?.WrongfulDeaths} silos were declared dead while the CPU was saturated");
        verdict.Require(load.GaveUp.Count == 0, $"{load.GaveUp.Count} operations never succeeded: {load.GaveUp.FirstOrDefault()}");

        var detections = Detections(cluster);
        verdict.Require(detections.All(d => d.Declared == 2), $"the crash detector declared a live silo dead: {string.Join(", ", detections.Where(d => d.Declared != 2))}");
        var report = new ClusterReport(balancer, load, terminated, exitedAt, killed, deadAt, addTook, loadEnded)
        {
            Detections = detections,
            BusyTickets = busyCount, SlaTickets = slaCount, AppliedWithoutAnswer = appliedAnyway,
            Sla = slaResult, Webhooks = webhookResult, DrainProbes = drainProbes,
            GrainCallsRetriedBeforeKill = retriedBeforeKill, GrainCallsRetriedAfterKill = retriedAfterKill, Burn = burn,
        };
        report.Print();
        foreach (var failure in verdict.Failures) Console.WriteLine("FAILED: " + failure);
        Console.WriteLine(verdict.Failures.Count == 0 ? "cluster check: passed" : $"cluster check: FAILED ({verdict.Failures.Count})");
        return verdict.Failures.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// Which silo's crash detector declared which silo dead (its warning names the silo address,
    /// whose port says which). All silos share 127.0.0.1 here, so every inbound connection that
    /// closes (silo 1's in its graceful stop, silo 2's at the kill) has the detector dial every
    /// active silo: a declaration of any silo but the killed one is a false positive.
    /// </summary>
    private static IReadOnlyList<Detection> Detections(LocalCluster cluster) =>
        cluster.LinesInLogs(DetectorLogLine)
            .Select(l => (l.Silo, Match: System.Text.RegularExpressions.Regex.Match(l.Line, @":(\d+):\d+ refused")))
            .Where(l => l.Match.Success)
            .Select(l => new Detection(l.Silo, int.Parse(l.Match.Groups[1].Value) - cluster.Ports.Silo + 1))
            .ToList();

    /// <summary>What <c>CrashedSiloDetector</c> logs when it declares a silo dead.</summary>
    private const string DetectorLogLine = "connections to its silo port: its process is gone; declaring it dead";

    /// <summary>What <c>GrainCallRetry</c> logs for each retry (a warning, so it is in every silo's log).</summary>
    private const string RetryLogLine = "Retrying grain call";

    /// <summary>
    /// The most the error window after a SIGKILL may last. Death is declared in about 0.5 s on an
    /// idle machine; the bound leaves room for a loaded 2-core CI machine, where the adaptive
    /// probe timeout stretches while the silos' thread pools lag (see docs/BENCHMARKS.md).
    /// </summary>
    private static readonly TimeSpan KillWindowBound = TimeSpan.FromSeconds(4);

    /// <summary>
    /// With <c>ZAPNOTY_CLUSTER_CPU_BURN</c> set: saturates the CPU under the load for that long,
    /// then reads what the membership table and the silos' logs say about suspicions.
    /// </summary>
    private static async Task<BurnResult?> Burn(LocalCluster cluster, Membership membership, CancellationToken cancel)
    {
        var period = CpuBurn.FromEnvironment();
        if (period == TimeSpan.Zero) return null;
        var missedBefore = cluster.CountInLogs(MissedProbeLogLine);
        Console.WriteLine($"Saturating {Environment.ProcessorCount} cores for {period.TotalSeconds} s under the load...");
        await CpuBurn.Run(period, cancel);
        // Votes are written within a probe period or two of the misses that caused them.
        await Task.Delay(TimeSpan.FromSeconds(2), cancel);
        var rows = await membership.Suspicions(cancel);
        return new BurnResult(period, cluster.CountInLogs(MissedProbeLogLine) - missedBefore, rows.Sum(r => r.Votes),
            rows.Count(r => r.Status == Membership.Dead));
    }

    /// <summary>Orleans' warning for each probe that got no answer in time.</summary>
    private const string MissedProbeLogLine = "Did not get response for probe";

    internal static async Task<TimeSpan> Exited(LocalCluster cluster, int silo, TimeSpan timeout, CancellationToken cancel)
    {
        var started = DateTimeOffset.UtcNow;
        while (!cluster.HasExited(silo))
        {
            if (DateTimeOffset.UtcNow - started > timeout) throw new TimeoutException($"Silo {silo} did not exit within {timeout} of SIGTERM");
            await Task.Delay(50, cancel);
        }
        return DateTimeOffset.UtcNow - started;
    }

    private static T Max<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;

    /// <summary>HTTP, silo and gateway bases, each free for silos 1–4.</summary>
    internal static ClusterPorts FreePorts()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // Below Linux's ephemeral range (32768-60999): a port checked free there can be taken
            // as the source port of any outgoing connection before the silo binds it.
            var http = 20000 + Random.Shared.Next(0, 390) * 10;
            var ports = new ClusterPorts(http, http + 4000, http + 8000);
            var all = Enumerable.Range(1, 4).SelectMany(i => new[] { ports.Http + i - 1, ports.SiloPort(i), ports.Gateway + i - 1 });
            if (all.All(Free)) return ports;
        }
        throw new InvalidOperationException("No free ports for the cluster");

        static bool Free(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (SocketException) { return false; }
        }
    }
}
