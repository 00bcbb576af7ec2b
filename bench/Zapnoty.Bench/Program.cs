using Npgsql;
using Zapnoty.Bench;
using Zapnoty.Grains.Tests.Infrastructure;

// Benchmarks of one real silo process against baselines measured in the same run on the same
// machine, so the ratios hold even when the machine is shared and noisy:
//  - tickets:  ticket creation through the REST API vs the same SQL through Npgsql;
//  - webhooks: events delivered per second vs raw signed POSTs to the same receiver, and the
//              latency a webhook endpoint adds to a reply;
//  - sla:      (not part of "all", about 12 minutes) many open tickets holding SLA reminders on one
//              silo: creation rate, silo memory, reminder load time after a restart and how late
//              breaches are recorded, against the same silo without them;
//  - sla-business: the same as sla, with business-hours calendars and SLA policies (whole minutes)
//              instead of the settings' hours.
//  - sla-creation: (not part of "all", about 3 minutes) only what SLA targets cost ticket creation,
//              on many projects and on one hot project.
//  - long-tickets: (not part of "all", about a minute) a ticket with 20,000 messages vs one with 20
//              and one with 60 (the same page): first and warm GET through the API vs the same page
//              in one query; [projects] is the number of rounds (one ticket of each size per round).
//  - scale:    (not part of "all") the list, counts and search at one project of [projects] tickets
//              (default 1,000,000) beside 1,000 projects of 1,000, at 4 and 32 clients, each against
//              the same statements run in this process.
//  - live:     (not part of "all", about 2 minutes) two silos; [workers] event streams on silo B while
//              customers' Telegram updates are posted to silo A, [projects] per second for [seconds]:
//              update → event read on B, against A's acknowledgement plus a pg_notify hop.
//  - webhook-intake: (not part of "all") Telegram updates POSTed to the bot webhook at [workers]
//              connections: acknowledged/s and p50/p95/p99 vs one raw INSERT … ON CONFLICT per update;
//              every acknowledged update counted stored and applied once ([projects] is unused).
// Usage: Zapnoty.Bench <connection string> <silo dll> [workers] [seconds] [projects] [tickets|webhooks|all|sla|sla-creation|long-tickets|scale|live] [sla tickets]
// The multi-silo check (scripts/cluster-check.sh): Zapnoty.Bench cluster <connection string> <repository root>
if (args is ["cluster", var clusterDatabase, var repository])
    return await Zapnoty.Bench.Cluster.ClusterCheck.Run(clusterDatabase, repository);
// The rolling-upgrade check (scripts/upgrade-check.sh): Zapnoty.Bench upgrade <connection string> <repository root> <previous release root> <its commit>
if (args is ["upgrade", var upgradeDatabase, var current, var previous, var previousCommit])
    return await Zapnoty.Bench.Upgrade.UpgradeCheck.Run(upgradeDatabase, current, previous, previousCommit);

var connectionString = args[0];
var siloDll = args[1];
var workers = args.Length > 2 ? int.Parse(args[2]) : 32;
var duration = TimeSpan.FromSeconds(args.Length > 3 ? int.Parse(args[3]) : 15);
var projectCount = args.Length > 4 ? int.Parse(args[4]) : 50;
var scenarios = args.Length > 5 ? args[5] : "all";
if (scenarios is not ("all" or "tickets" or "webhooks" or "sla" or "sla-business" or "sla-creation" or "long-tickets" or "scale" or "live" or "reports" or "webhook-intake"))
    throw new ArgumentException($"Unknown scenario set '{scenarios}': use tickets, webhooks, all, sla, sla-business, sla-creation, long-tickets, scale, live, reports or webhook-intake.");
var ticketCount = args.Length > 6 ? int.Parse(args[6]) : 100_000;
var warmup = TimeSpan.FromSeconds(3);
var port = 5400 + Random.Shared.Next(500);
var baseUrl = $"http://127.0.0.1:{port}";

await using var smtp = new FakeSmtpServer();
var settings = new SiloSettings(siloDll, connectionString, baseUrl, smtp.Port, SiloSettings.NewClusterId());
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = workers * 2 }) { BaseAddress = new Uri(baseUrl) };
if (scenarios is "sla" or "sla-business")
{
    // Starts, stops and restarts its own silos; sla-business: calendars and business-hours policies instead of the settings' hours.
    await SlaReminderBench.Run(settings, smtp, http, workers, duration, projectCount, ticketCount, businessHours: scenarios == "sla-business");
    return 0;
}
if (scenarios == "live")
{
    // Starts its own two silos.
    await Zapnoty.Bench.Live.LiveBench.Run(connectionString, siloDll, smtp, connections: workers, duration, perSecond: projectCount);
    return 0;
}
if (scenarios == "webhook-intake")
{
    // Starts its own silo, pointed at a fake Telegram.
    await WebhookIntakeBench.Run(connectionString, siloDll, smtp, connections: workers, warmup, duration);
    return 0;
}

using var silo = SiloProcess.Start(settings);
await silo.WaitReady(http);
var api = new ZapnotyApi(http);
await api.LogIn(smtp);
await using var db = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = workers + 10 } }.Build();

if (scenarios is "all" or "tickets")
    await TicketCreationBench.Run(http, db, await api.CreateProjects(projectCount), workers, warmup, duration);

if (scenarios == "sla-creation")
    await SlaCreationBench.Run(api, http, db, projectCount, workers, warmup, duration);

if (scenarios == "long-tickets")
    await LongTicketBench.Run(api, db, rounds: projectCount);

if (scenarios == "scale")
    await ScaleBench.Run(api, db, tickets: args.Length > 4 ? projectCount : 1_000_000, others: args.Length > 6 ? ticketCount : 1_000,
        warmup: TimeSpan.FromSeconds(2), duration);

if (scenarios == "reports")
    await ReportsBench.Run(api, db, silo, tickets: args.Length > 4 ? projectCount : 1_000_000, others: args.Length > 6 ? ticketCount : 1_000,
        clients: workers, warmup: TimeSpan.FromSeconds(2), duration);

if (scenarios is "all" or "webhooks")
{
    await using var receiver = await WebhookReceiver.Start();
    await WebhookDeliveryBench.Run(api, receiver, db, projectCount, workers, warmup, duration);
    await ReplyLatencyBench.Run(api, receiver, db, workers, warmup, duration);
}
return 0;
