using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.Runtime;
using Zapnoty.Grains.Tests.Infrastructure;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>What every browser and messenger meets at the HTTP edge: security headers, body limits, unknown bots.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HttpEdgeTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_dashboard_and_the_api_cannot_be_framed_sniffed_or_leak_a_referrer()
    {
        using var page = await cluster.Silos[0].GetAsync("/");
        using var api = await cluster.Silos[1].GetAsync("/v1/projects");
        using var missing = await cluster.Silos[0].GetAsync("/v1/no-such-route");
        foreach (var response in new[] { page, api, missing })
        {
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        }
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", api.Headers.GetValues("Content-Security-Policy").Single());
        if (page.Content.Headers.ContentType?.MediaType == "text/html")
            Assert.StartsWith("default-src 'self';", page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Swagger_ui_can_be_switched_off_while_the_openapi_document_stays()
    {
        using var ui = await cluster.Silos[0].GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.NotFound, ui.StatusCode);
        using var document = await cluster.Silos[0].GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }

    [Fact]
    public async Task A_100_KB_telegram_update_is_accepted_and_a_2_MB_one_is_refused_with_a_problem()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        var secret = cluster.Telegram.WebhookOf(bot)!.SecretToken;
        var customer = TelegramCustomer.New("Long", "Letter", "long_letter");

        // A long message: 100 KB of update, as a quoted reply with its entities can make one.
        var large = Updates.Text(customer, "Hello " + new string('x', 4000));
        large = large.Insert(large.LastIndexOf('}'), $",\"padding\":\"{new string('p', 100 * 1024)}\"");
        using (var accepted = await ChannelWebhook.Telegram(cluster.Silos[0], bot, large, secret))
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        var huge = $"{{\"update_id\":{Updates.NextUpdateId()},\"padding\":\"{new string('p', 2 * 1024 * 1024)}\"}}";
        using var refused = await ChannelWebhook.Telegram(cluster.Silos[1], bot, huge, secret);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("1024 KB", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());

        // Every other route keeps the API's 64 KB.
        using var other = await agent.SendRaw(HttpMethod.Patch, $"/v1/projects/{projectId}", $"{{\"name\":\"{new string('n', 100 * 1024)}\"}}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, other.StatusCode);
    }

    [Fact]
    public async Task Posts_to_an_unknown_bot_cost_one_lookup_however_many_and_its_activation_goes_soon()
    {
        var lookups = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "zapnoty.bot.lookups") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "outcome", Value: "unknown" }) Interlocked.Add(ref lookups, (int)value);
        });
        listener.Start();

        // Not digits: refused before any grain or query.
        foreach (var id in new[] { "abc", "12a", new string('9', 21) })
        {
            using var response = await cluster.Silos[0].PostAsync($"/v1/channels/telegram/{id}/webhook", Json("{}"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        Assert.Equal(0, Volatile.Read(ref lookups));

        var botId = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            using var response = await cluster.Silos[i % 2].PostAsync($"/v1/channels/telegram/{botId}/webhook", Json("{\"update_id\":1}"));
            return response.StatusCode;
        }));
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.InRange(Volatile.Read(ref lookups), 1, 2);

        // Remembered for a short while (3 s in the tests), then the activation goes: not the 15 minutes of an idle grain.
        var management = cluster.Grains.GetGrain<IManagementGrain>(0);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await management.GetDetailedGrainStatistics()).Any(s => s.GrainId.Key.ToString() == $"telegram:{botId}"))
        {
            Assert.True(DateTime.UtcNow < deadline, "The unknown bot's activation stayed.");
            await Task.Delay(250);
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
