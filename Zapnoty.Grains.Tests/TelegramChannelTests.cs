using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Customers on Telegram: the real Telegram.Bot client talks to a fake Bot API on loopback,
/// and updates are posted to our real webhook route, as Telegram would. The scenarios are the
/// ones every messenger passes (<see cref="MessengerChannelTests{TBot, TCustomer}"/>); this is
/// Telegram's driver for them, and the scenarios only Telegram has.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TelegramChannelTests(ClusterFixture cluster) : MessengerChannelTests<FakeBot, TelegramCustomer>(cluster)
{
    private FakeTelegramServer Telegram => Cluster.Telegram;

    protected override string Channel => "telegram";
    protected override string Messenger => "Telegram";
    protected override string TokenField => "bot_token";
    protected override string UnknownToken => "123456:not-a-token-telegram-knows";
    protected override int CustomersAtOnce => 50;
    protected override string LeftBotReason => "The customer blocked the bot in Telegram.";
    protected override (string DeliveryError, string UnreachableReason) BlockedSays => ("blocked by the user", "blocked by the user");

    protected override FakeBot AddBot() => Telegram.AddBot();
    protected override string TokenOf(FakeBot bot) => bot.Token;
    protected override long IdOf(FakeBot bot) => bot.Id;
    protected override string UsernameOf(FakeBot bot) => bot.Username;
    protected override string DeepLink(FakeBot bot, string slug) => $"https://t.me/{bot.Username}?start=help_{slug}";

    protected override void AssertWebhookRegistered(FakeBot bot)
    {
        var webhook = Telegram.WebhookOf(bot)!;
        Assert.Equal($"https://helpdesk.example.com/v1/channels/telegram/{bot.Id}/webhook", webhook.Url);
        Assert.Equal(["message", "edited_message", "callback_query", "my_chat_member"], webhook.AllowedUpdates!);
        Assert.Matches("^[A-Za-z0-9_-]{1,256}$", webhook.SecretToken!);
    }

    protected override void AssertWebhookRemoved(FakeBot bot) => Assert.Null(Telegram.WebhookOf(bot));
    protected override string SecretOf(FakeBot bot) => Telegram.WebhookOf(bot)!.SecretToken!;

    protected override Task<HttpResponseMessage> PostRaw(FakeBot bot, string update, string? secret, int silo = 0) =>
        ChannelWebhook.Telegram(Cluster.Silos[silo], bot, update, secret);

    protected override TelegramCustomer NewCustomer(string firstName = "Anna", string? lastName = "Petrova", string? username = "anna_petrova") =>
        TelegramCustomer.New(firstName, lastName, username);

    protected override long IdOf(TelegramCustomer customer) => customer.Id;
    protected override string Start(TelegramCustomer customer, string payload) => Updates.Start(customer, payload);
    protected override string NextMessageId() => Updates.NextMessageId().ToString();
    protected override string Text(TelegramCustomer customer, string text, string? messageId = null) =>
        Updates.Text(customer, text, messageId is null ? null : int.Parse(messageId));
    protected override string Edited(TelegramCustomer customer, string messageId, string text) => Updates.EditedText(customer, int.Parse(messageId), text);
    protected override string NewCallbackId() => Updates.NewCallbackId();
    protected override string Pressed(TelegramCustomer customer, FakeBot bot, BotMessage under, string data, string callbackId) =>
        Updates.Callback(customer, data, int.Parse(under.Id), callbackId, bot: bot);
    protected override string LeavesBot(TelegramCustomer customer, FakeBot bot) => Updates.MyChatMember(customer, "kicked", bot);
    protected override string ComesBack(TelegramCustomer customer, FakeBot bot, string slug) => Updates.MyChatMember(customer, "member", bot);

    protected override IEnumerable<string> UpdatesThatOpenNothing(TelegramCustomer customer) =>
        [Updates.GroupText(customer, -100123456, "hello group"), Updates.ChannelPost(-100654321, "channel news")];

    protected override (string Update, IReadOnlyDictionary<string, string> Shows) Photo(TelegramCustomer customer, string caption) =>
        (Updates.Photo(customer, caption: caption, fileId: "photo-file-1"), new Dictionary<string, string> { ["kind"] = "photo", ["file_id"] = "photo-file-1" });

    protected override (string Update, IReadOnlyDictionary<string, string> Shows) Document(TelegramCustomer customer) =>
        (Updates.Document(customer, "receipt.pdf", "application/pdf"),
            new Dictionary<string, string> { ["kind"] = "document", ["file_name"] = "receipt.pdf", ["mime_type"] = "application/pdf" });

    protected override IReadOnlyList<BotMessage> Sent() => Telegram.Sent().Select(Read).ToList();

    protected override async Task<IReadOnlyList<BotMessage>> WaitForSent(Func<IReadOnlyList<BotMessage>, bool> done) =>
        (await Telegram.WaitForSent(s => done(s.Select(Read).ToList()))).Select(Read).ToList();

    protected override void AssertSentAsTyped(TelegramCustomer customer, FakeBot bot, string typed)
    {
        var sent = Telegram.Sent(customer.ChatId).Last(m => m.Text == typed);
        Assert.False(sent.Call.Has("parse_mode"));
        Assert.Equal(bot.Token, sent.Token);
    }

    protected override void FailNextSends(TelegramCustomer customer, int count, HttpStatusCode status) =>
        Telegram.FailNext(customer.ChatId, count, status == HttpStatusCode.TooManyRequests ? TelegramFailure.TooManyRequests(retryAfter: 1) : TelegramFailure.InternalServerError());

    protected override IReadOnlyList<int> SendAttempts(TelegramCustomer customer, string text) =>
        Telegram.CallsTo("sendMessage").Where(c => c.ChatId == customer.ChatId && c.Text == text).Select(c => c.AnsweredWith).ToList();

    protected override void Block(TelegramCustomer customer) => Telegram.Block(customer.ChatId);
    protected override IReadOnlyList<string> AnsweredCallbacks => Telegram.AnsweredCallbacks;

    private static BotMessage Read(SentTelegramMessage m) =>
        new(m.ChatId, m.MessageId.ToString(), m.Text, m.Buttons.Select(b => new BotButton(b.Text, b.CallbackData, b.CallbackData is null ? "url" : "callback")).ToList());

    [Fact]
    public async Task A_message_a_crashed_silo_left_in_flight_is_failed_not_sent_again()
    {
        var (agent, projectId, _) = await Project();
        var bot = await Connect(agent, projectId);
        var customer = TelegramCustomer.New();
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "Hello");

        // A silo took the message for sending and died before it knew the outcome.
        await using (var command = Cluster.Database.CreateCommand("""
            INSERT INTO channel_outbox (bot_id, chat_id, text, status, attempts, next_attempt_at, created_at)
            SELECT id, $2, 'Sent just before the crash', 'sending', 1, now() - interval '1 minute', now() - interval '1 minute'
              FROM bots WHERE external_id = $1 AND disconnected_at IS NULL
            RETURNING id
            """))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = bot.Id.ToString() });
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = customer.ChatId.ToString() });
            Assert.NotNull(await command.ExecuteScalarAsync());
        }

        await Eventually(async () =>
        {
            await using var status = Cluster.Database.CreateCommand("SELECT status, last_error FROM channel_outbox WHERE text = 'Sent just before the crash' AND chat_id = $1");
            status.Parameters.Add(new Npgsql.NpgsqlParameter { Value = customer.ChatId.ToString() });
            await using var reader = await status.ExecuteReaderAsync();
            return await reader.ReadAsync() && reader.GetString(0) == "failed" && reader.GetString(1).Contains("may or may not have arrived");
        });
        // The chat moves on: the next reply goes out.
        await agent.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "After the crash" });
        await Telegram.WaitForSent(m => m.Any(x => x.ChatId == customer.ChatId && x.Text == "After the crash"));
        Assert.DoesNotContain(Telegram.CallsTo("sendMessage"), c => c.Text == "Sent just before the crash");
    }
}
