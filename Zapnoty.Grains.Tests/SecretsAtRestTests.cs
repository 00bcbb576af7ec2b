using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using StandardWebhooks;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using static Zapnoty.Grains.Tests.Infrastructure.TicketJson;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Finding 19: what a database dump or read-only SQL access sees of bot tokens, bot webhook
/// secrets and webhook signing secrets, and that the product still works through both silos.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SecretsAtRestTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;
    private FakeTelegramServer Telegram => cluster.Telegram;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_bots_token_and_webhook_secret_are_not_readable_in_the_database_yet_the_bot_works_through_both_silos()
    {
        var (agent, projectId) = await Project();
        var bot = await Connect(agent, projectId);
        var secret = Telegram.WebhookOf(bot)!.SecretToken!;

        var (token, storedSecret) = await BotRow(bot);
        Assert.StartsWith(SecretProtector.Prefix, token);
        Assert.DoesNotContain(bot.Token, token);
        Assert.DoesNotContain(bot.Token.Split(':')[1], token);
        Assert.Equal(SecretHash.Of(secret), storedSecret);
        Assert.DoesNotContain(secret, storedSecret);
        // Nor does the bot grain's state (what the Orleans Dashboard's grain state view shows).
        var live = await cluster.Grains.GetGrain<IBotGrain>(BotKeys.Of(Tickets.Channel.Telegram, bot.Id.ToString())).Live();
        Assert.Equal(token, live!.ProtectedToken);
        Assert.Equal(storedSecret, live.WebhookSecretHash);
        // The key ring itself holds no key in the clear: each key is sealed with the master key.
        foreach (var xml in await Column("SELECT xml FROM data_protection_keys"))
        {
            Assert.Contains(MasterKeyXmlEncryptor.ElementName, xml);
            Assert.DoesNotContain("<masterKey", xml);
        }

        // The customer writes through silo 1 (the secret is checked against the hash), the agent
        // answers through silo 0, and the reply goes out with the decrypted token.
        var customer = TelegramCustomer.New("Olga");
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[1], bot, Updates.Text(customer, "My order never came"), secret));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await cluster.Api(1).WithToken(agent.Token).Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Sent again today." });
        var sent = await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == "Sent again today."));
        Assert.Equal(bot.Token, sent.Last(m => m.ChatId == customer.ChatId).Token);

        using var wrong = await ChannelWebhook.Telegram(cluster.Silos[0], bot, Updates.Text(customer, "forged"), storedSecret);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task Disconnecting_a_bot_wipes_its_token_from_the_database()
    {
        var (agent, projectId) = await Project();
        var bot = await Connect(agent, projectId);
        await agent.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/telegram", null, HttpStatusCode.NoContent);
        Assert.Equal("", (await BotRow(bot)).Token);

        // Replacing a project's bot by another wipes the replaced one's token too.
        var next = await Connect(agent, projectId);
        await Connect(agent, projectId);
        Assert.Equal("", (await BotRow(next)).Token);
    }

    [Fact]
    public async Task A_webhook_signing_secret_is_stored_encrypted_and_deliveries_are_signed_with_the_real_secret()
    {
        var (agent, projectId) = await Project();
        var created = await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url("at-rest") });
        var secret = created.GetProperty("secret").GetString()!;
        var webhookId = created.GetProperty("id").GetGuid();

        var stored = Assert.Single(await Column("SELECT secret FROM webhooks WHERE id = $1", webhookId));
        Assert.StartsWith(SecretProtector.Prefix, stored);
        Assert.DoesNotContain(secret["whsec_".Length..], stored);

        await cluster.Api(1).WithToken(agent.Token).CreateTicket(projectId, "Signed?");
        var received = (await _receiver.WaitFor(r => r.Count >= 1, "at-rest"))[0];
        new StandardWebhook(secret).Verify(received.Body, received.Headers);

        // After a rotation both secrets are kept, both encrypted.
        await agent.Call(HttpMethod.Post, $"/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret", new { }, HttpStatusCode.OK);
        Assert.All(await Column("SELECT previous_secret FROM webhooks WHERE id = $1", webhookId), s => Assert.StartsWith(SecretProtector.Prefix, s));
    }

    [Fact]
    public async Task Rows_stored_in_plaintext_before_encryption_keep_working_and_are_encrypted_when_a_silo_starts()
    {
        var (agent, projectId) = await Project();
        var bot = await Connect(agent, projectId);
        const string legacySecret = "legacy-secret-from-before-encryption";
        // As a row written by the previous version: token and secret in the clear.
        await Execute("UPDATE bots SET token = $2, webhook_secret = $3 WHERE external_id = $1 AND disconnected_at IS NULL",
            bot.Id.ToString(), bot.Token, legacySecret);
        var created = await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url("legacy") });
        var signing = created.GetProperty("secret").GetString()!;
        await Execute("UPDATE webhooks SET secret = $2 WHERE id = $1", created.GetProperty("id").GetGuid(), signing);
        await cluster.Grains.GetGrain<IBotGrain>(BotKeys.Of(Tickets.Channel.Telegram, bot.Id.ToString())).Forget();

        // Read as they are: the webhook secret compares in the clear, the token is used as it is.
        var customer = TelegramCustomer.New("Legacy");
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, Updates.Text(customer, "Still there?"), legacySecret));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Ticket #")));

        // A silo starting converts them.
        var converter = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>()
            .OfType<SecretsAtRest>().Single();
        Assert.True(await converter.ConvertPlaintextRows(CancellationToken.None) >= 2);
        var (token, secret) = await BotRow(bot);
        Assert.StartsWith(SecretProtector.Prefix, token);
        Assert.Equal(SecretHash.Of(legacySecret), secret);
        Assert.StartsWith(SecretProtector.Prefix, Assert.Single(await Column("SELECT secret FROM webhooks WHERE id = $1", created.GetProperty("id").GetGuid())));
        Assert.Equal(0, await converter.ConvertPlaintextRows(CancellationToken.None));

        await cluster.Grains.GetGrain<IBotGrain>(BotKeys.Of(Tickets.Channel.Telegram, bot.Id.ToString())).Forget();
        await ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[1], bot, Updates.Text(customer, "And now?"), legacySecret));
        var ticketId = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Yes, encrypted now." });
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == "Yes, encrypted now."));
        var received = (await _receiver.WaitFor(r => r.Count >= 1, "legacy"))[0];
        new StandardWebhook(signing).Verify(received.Body, received.Headers);
    }

    private async Task<(ApiClient Agent, Guid ProjectId)> Project()
    {
        var agent = await cluster.Api().LogInAs();
        return (agent, await agent.CreateProject());
    }

    private async Task<FakeBot> Connect(ApiClient agent, Guid projectId)
    {
        var bot = Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        return bot;
    }

    /// <summary>The bot's latest row, as read-only SQL access sees it.</summary>
    private async Task<(string Token, string WebhookSecret)> BotRow(FakeBot bot)
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT token, webhook_secret FROM bots WHERE external_id = $1 ORDER BY connected_at DESC LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = bot.Id.ToString() });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.GetString(1));
    }

    private async Task<List<string>> Column(string sql, params object[] values)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    private async Task Execute(string sql, params object[] values)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
