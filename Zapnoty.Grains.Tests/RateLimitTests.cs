using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The published budgets (the defaults: 600 reads a minute per credential, 120 requests a minute
/// per network without one), spent against both silos of the test cluster.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitTests(ClusterFixture cluster)
{
    private const int Reads = 600;
    private const int Anonymous = 120;
    private const int MaxLease = 10;

    [Fact]
    public async Task A_key_spreading_its_requests_over_both_silos_gets_one_budget_not_one_per_silo()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var key = (await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "spread" })).GetProperty("key").GetString();

        var clock = Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) <= 2 * Reads;)
            {
                using var response = await cluster.Api(i % 2).WithToken(key).Send(HttpMethod.Get, $"/v1/projects/{projectId}");
                Assert.Equal($"{Reads}", response.Headers.GetValues("RateLimit-Limit").Single());
                lock (statuses) statuses.Add(response.StatusCode);
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;

        var allowed = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.Equal(2 * Reads, allowed + statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        // The budget, plus what refilled (10 a second) while the test ran, plus at most one batch
        // held by each silo: nowhere near the 1,200 two separate budgets would allow.
        Assert.InRange(allowed, Reads - 2 * MaxLease, Reads + (int)Math.Ceiling(seconds * Reads / 60.0) + 2 * MaxLease);

        // Another credential, even of the same person, has its own budget on both silos.
        for (var silo = 0; silo < 2; silo++)
        {
            using var response = await cluster.Api(silo).WithToken(owner.Token).Send(HttpMethod.Get, $"/v1/projects/{projectId}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(int.Parse(response.Headers.GetValues("RateLimit-Remaining").Single()) > Reads / 2);
        }
    }

    [Fact]
    public async Task A_payment_providers_notifications_spend_the_providers_budget_not_their_networks_and_may_be_larger_than_64_KB()
    {
        // Stripe posts every shop's events from a few addresses: a network's 120 a minute would drop them.
        var network = $"198.51.100.{Random.Shared.Next(1, 255)}";
        var stripe = cluster.Api(0).WithToken(null).WithClientIp(network);
        var large = JsonSerializer.Serialize(new { id = "evt_large", type = "checkout.session.completed", padding = new string('x', 100_000) });

        using var response = await stripe.SendRaw(HttpMethod.Post, "/v1/payments/stripe/webhook", large);

        // Past the 64 KB limit of other routes, to the signature check (no Stripe-Signature here).
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("3000", response.Headers.GetValues("RateLimit-Limit").Single());
        using var login = await stripe.Send(HttpMethod.Post, "/v1/auth/login", new { email = "nobody@example.com" });
        Assert.Equal($"{Anonymous}", login.Headers.GetValues("RateLimit-Limit").Single());
        Assert.Equal($"{Anonymous - 1}", login.Headers.GetValues("RateLimit-Remaining").Single());
    }

    [Fact]
    public async Task Over_the_budget_a_network_gets_429_with_retry_after_ratelimit_headers_and_a_problem()
    {
        // Two addresses of one IPv6 /64 are one network.
        var network = $"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}";
        var anonymous = cluster.Api(0).WithToken(null);

        using (var first = await anonymous.WithClientIp($"{network}::1").Send(HttpMethod.Get, "/v1/projects"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
            Assert.Equal($"{Anonymous}", first.Headers.GetValues("RateLimit-Limit").Single());
            Assert.Equal($"{Anonymous - 1}", first.Headers.GetValues("RateLimit-Remaining").Single());
            Assert.InRange(int.Parse(first.Headers.GetValues("RateLimit-Reset").Single()), 1, 60);
        }
        // The silos together overshoot by at most the permits each still holds (a second's worth here).
        HttpResponseMessage? refused = null;
        for (var i = 1; i <= Anonymous + 20 && refused is null; i++)
        {
            var response = await cluster.Api(i % 2).WithToken(null).WithClientIp($"{network}::{i % 7 + 1:x}").Send(HttpMethod.Get, "/v1/projects");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else response.Dispose();
        }
        Assert.NotNull(refused);
        using var _ = refused;
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("120 a minute", problem.GetProperty("detail").GetString());
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal("0", refused.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal($"{Anonymous}", refused.Headers.GetValues("RateLimit-Limit").Single());

        // Another network is not affected; nor are health probes or a bot's webhook from the spent one.
        using (var other = await anonymous.WithClientIp($"2001:db8:ffff:{Random.Shared.Next(1, 0xffff):x}::1").Send(HttpMethod.Get, "/v1/projects"))
            Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        using (var probe = await anonymous.WithClientIp($"{network}::1").Send(HttpMethod.Get, "/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
            Assert.False(probe.Headers.Contains("RateLimit-Limit"));
        }
        using (var webhook = await anonymous.WithClientIp($"{network}::1").SendRaw(HttpMethod.Post, $"/v1/channels/telegram/{Random.Shared.NextInt64(1, long.MaxValue)}/webhook", "{}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, webhook.StatusCode);
            Assert.Equal("6000", webhook.Headers.GetValues("RateLimit-Limit").Single());
        }
    }

    [Fact]
    public async Task The_openapi_document_publishes_the_limits_and_a_429_on_every_operation()
    {
        var document = JsonDocument.Parse(await cluster.Silos[0].GetStringAsync("/swagger/v1/swagger.json")).RootElement;
        Assert.Contains("600 reads and 20000 writes a minute", document.GetProperty("info").GetProperty("description").GetString());
        string[] methods = ["get", "post", "put", "patch", "delete"];
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(o => methods.Contains(o.Name)).Select(o => (Name: $"{o.Name} {path.Name}", o.Value)))
            .ToList();
        Assert.NotEmpty(operations);
        Assert.All(operations, operation => Assert.True(operation.Value.GetProperty("responses").TryGetProperty("429", out _), operation.Name));
    }
}
