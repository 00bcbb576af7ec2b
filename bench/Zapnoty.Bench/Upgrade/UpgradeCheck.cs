using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Zapnoty.Bench.Cluster;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Bench.Upgrade;

/// <summary>
/// The rolling-upgrade proof, run by <c>scripts/upgrade-check.sh</c>, step by step as
/// docs/OPERATIONS.md ("Rolling upgrade") tells an operator: silo 1 of the previous release
/// starts on an empty database (migrating it as that release does) and takes the load; silo 2
/// of this tree joins, applying the new migrations while silo 1 serves; both serve, calling
/// each other's grains; silo 1 is drained (SIGTERM); silo 2 serves alone. Then every
/// acknowledged write must be stored exactly once with gapless numbers, no 5xx but 503 with
/// Retry-After, both versions must have served and hosted grains, and the migration guard must
/// refuse a breaking migration while they run.
/// </summary>
public static class UpgradeCheck
{
    public const int Old = 1;
    public const int New = 2;
    private static readonly TimeSpan OldAlone = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Mixed = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan NewAlone = TimeSpan.FromSeconds(5);

    public static async Task<int> Run(string connectionString, string root, string previousRoot, string previousCommit)
    {
        var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5)).Token;
        var ports = ClusterCheck.FreePorts();
        var clusterId = "upgrade-" + Guid.NewGuid().ToString("N")[..8];
        var dir = Directory.CreateTempSubdirectory("zapnoty-upgrade-check.").FullName;
        await using var smtp = new FakeSmtpServer();
        await using var db = NpgsqlDataSource.Create(connectionString);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Zapnoty__Smtp__Host"] = "127.0.0.1",
            ["Zapnoty__Smtp__Port"] = smtp.Port.ToString(),
            ["Zapnoty__Smtp__Security"] = "None", // the fake relay on loopback speaks plain SMTP
            // One master key for both versions, as one deployment has (each tree's cluster.sh would make its own).
            ["Zapnoty__DataProtection__Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            // The load comes from one agent and one key; this proves the upgrade, not the published limits.
            ["Zapnoty__RateLimits__Enabled"] = "false",
            // The check's projects get their credits without a payment: a development-only switch.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Zapnoty__Billing__DevelopmentGrants"] = "true",
        };
        // Each version through its own tree's scripts/cluster.sh, in one cluster folder: the
        // previous release's silo runs from its own build and content root.
        var old = new LocalCluster(previousRoot, dir, ports, With(environment, "Zapnoty__Metrics__Port", MetricsPort(ports, Old)));
        var current = new LocalCluster(root, dir, ports, With(environment, "Zapnoty__Metrics__Port", MetricsPort(ports, New)));
        Console.WriteLine($"Upgrade check: {previousCommit[..12]} (silo {Old}) to this tree (silo {New}), cluster {clusterId}, silo logs in {dir}");
        try
        {
            return await Prove(old, current, db, smtp, clusterId, previousCommit, cancel);
        }
        finally
        {
            await current.Stop(CancellationToken.None);
        }
    }

    private static async Task<int> Prove(LocalCluster old, LocalCluster current, NpgsqlDataSource db, FakeSmtpServer smtp, string clusterId,
        string previousCommit, CancellationToken cancel)
    {
        var ports = current.Ports;
        var verdict = new ClusterVerdict(db);
        var began = DateTimeOffset.UtcNow;
        await old.Add(Old, cancel);
        var oldStarted = DateTimeOffset.UtcNow - began;
        var oldMigrations = await Migrations(verdict, cancel);

        using var setupHttp = new HttpClient { BaseAddress = ports.Url(Old) };
        var api = new ZapnotyApi(setupHttp);
        await api.LogIn(smtp);
        var busy = await api.CreateProject();
        var steady = await api.CreateProject();

        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) }) { Timeout = TimeSpan.FromSeconds(40) };
        await using var balancer = new Balancer(http, ports);
        balancer.Start([Old]);
        var load = new ClusterLoad(balancer, busy, steady);
        using var stopLoad = new CancellationTokenSource();
        var running = load.Run(stopLoad.Token);

        await Task.Delay(OldAlone, cancel);
        var joining = DateTimeOffset.UtcNow;
        balancer.Add(New);
        await current.Add(New, cancel);
        var joined = DateTimeOffset.UtcNow;
        var newMigrations = (await Migrations(verdict, cancel)).Except(oldMigrations).ToList();

        await Task.Delay(Mixed, cancel);
        using var metricsHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var grains = new Dictionary<int, IReadOnlyDictionary<string, long>>
        {
            [Old] = await SiloMetrics.Activations(metricsHttp, MetricsUrl(ports, Old), cancel),
            [New] = await SiloMetrics.Activations(metricsHttp, MetricsUrl(ports, New), cancel),
        };
        var guard = await GuardRefuses(db, cancel);

        var terminated = DateTimeOffset.UtcNow;
        old.Terminate(Old);
        var exited = terminated + await ClusterCheck.Exited(old, Old, TimeSpan.FromSeconds(45), cancel);
        var oldStatus = await new Membership(db, clusterId).Status(ports.SiloPort(Old), cancel);

        await Task.Delay(NewAlone, cancel);
        await stopLoad.CancelAsync();
        await running;
        var loadEnded = DateTimeOffset.UtcNow;

        await verdict.TicketsStoredOnce(load.Tickets, cancel);
        await verdict.RepliesStoredOnce(load.Replies, cancel);
        var busyCount = await verdict.NumbersGapless(busy.Id, "busy project", cancel);
        var steadyCount = await verdict.NumbersGapless(steady.Id, "steady project", cancel);
        var appliedAnyway = await verdict.AppliedWithoutAnswer(balancer.Attempts.Where(a => !a.Succeeded).ToList(), cancel);

        var report = new UpgradeReport(balancer, load, previousCommit[..12], joining, joined, terminated, exited, loadEnded)
        {
            OldStarted = oldStarted, NewMigrations = newMigrations, Grains = grains, Guard = guard, OldSiloPort = ports.SiloPort(Old),
            BusyTickets = busyCount, SteadyTickets = steadyCount, AppliedWithoutAnswer = appliedAnyway,
        };
        var drainProbes = balancer.Probes.Where(p => p.Silo == Old && p.At > terminated && p.At < exited).ToList();
        report.Judge(verdict);
        verdict.Require(drainProbes.Count == 0 || drainProbes.Any(p => p.Status == 503),
            $"the old silo never answered /health/ready with 503 while it shut down ({drainProbes.Count} probes)");
        verdict.Require(oldStatus == Membership.Dead, $"the old silo did not leave the cluster gracefully (membership status {oldStatus})");
        verdict.Require(load.GaveUp.Count == 0, $"{load.GaveUp.Count} operations never succeeded: {load.GaveUp.FirstOrDefault()}");

        report.Print();
        if (verdict.Failures.Count > 0) report.PrintCauses(old.Log(Old), current.Log(New));
        foreach (var failure in verdict.Failures) Console.WriteLine("FAILED: " + failure);
        Console.WriteLine(verdict.Failures.Count == 0 ? "upgrade check: passed" : $"upgrade check: FAILED ({verdict.Failures.Count})");
        return verdict.Failures.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// The migrator of this tree, given one breaking test-only migration on top of its own, must
    /// refuse it while the two silos run, and name the old one.
    /// </summary>
    private static async Task<GuardResult> GuardRefuses(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        const string probe = "9999_upgrade_check_breaking_probe";
        var migrations = DatabaseMigrator.EmbeddedMigrations()
            .Append(DatabaseMigrator.Migration.From(probe, "-- breaking: a test-only probe of the guard; never applied\nSELECT 1;\n"))
            .ToList();
        try
        {
            await new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance, null, migrations).MigrateAsync(cancellationToken);
            return new GuardResult(false, [], "applied the breaking probe while both versions ran");
        }
        catch (BreakingMigrationRefusedException refused)
        {
            return new GuardResult(true, refused.Silos.Select(s => s.Port).ToList(), refused.Message);
        }
    }

    private static async Task<HashSet<string>> Migrations(ClusterVerdict verdict, CancellationToken cancellationToken) =>
        (await verdict.Rows("SELECT version FROM schema_migrations", [], r => r.GetString(0), cancellationToken)).ToHashSet();

    // Below the next silo's HTTP base (FreePorts steps by 10), above the four HTTP ports it checked.
    private static int MetricsPort(ClusterPorts ports, int silo) => ports.Http + 5 + silo;

    private static Uri MetricsUrl(ClusterPorts ports, int silo) => new($"http://127.0.0.1:{MetricsPort(ports, silo)}");

    private static Dictionary<string, string> With(Dictionary<string, string> environment, string key, int value) =>
        new(environment) { [key] = value.ToString() };
}

/// <summary>What the migration guard did against the running cluster: refused or not, the silo ports it named, its message.</summary>
public sealed record GuardResult(bool Refused, IReadOnlyList<int> NamedPorts, string Message);
