using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using MaxUpdates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;
using TelegramUpdates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// CSAT inside the messenger, written once for both: a ticket closes, the customer gets the
/// question with 1–5 buttons through the real outbox and the messenger's fake server, presses one
/// through our real webhook route, and the ticket keeps the first score. Each messenger's suite
/// (<see cref="TelegramCsatTests"/>, <see cref="MaxCsatTests"/>) is a driver.
/// </summary>
public abstract class CsatInMessengerTests<TBot, TCustomer>(ClusterFixture cluster)
{
    private const string Question = "How did we do? Tap a score.";
    private const string Thanks = "Thanks for rating us!";
    private const string Prompt = "Anything to add? Just write it here.";

    protected ClusterFixture Cluster => cluster;

    protected abstract string Channel { get; }
    protected abstract TBot AddBot();
    protected abstract Dictionary<string, string> TokenOf(TBot bot);
    protected abstract Task Post(TBot bot, string update);
    protected abstract TCustomer NewCustomer();
    protected abstract long IdOf(TCustomer customer);
    protected abstract string Text(TCustomer customer, string text);
    protected abstract string NewCallbackId();
    protected abstract string Pressed(TCustomer customer, TBot bot, BotMessage under, string data, string callbackId);
    protected abstract IReadOnlyList<BotMessage> Sent();
    protected abstract Task<IReadOnlyList<BotMessage>> WaitForSent(Func<IReadOnlyList<BotMessage>, bool> done);

    /// <summary>The callbacks the bot answered, each with the notice it showed (null: none).</summary>
    protected abstract IReadOnlyList<(string CallbackId, string? Notice)> CallbackAnswers { get; }

    [Fact]
    public async Task Closing_a_chat_ticket_asks_for_a_rating_the_first_press_is_kept_and_the_next_message_is_the_comment()
    {
        var (agent, projectId, bot) = await Project(commentPrompt: Prompt);
        var customer = NewCustomer();
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "My parcel is lost");

        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        var question = await Survey(customer);
        Assert.Equal(["5 ★★★★★", "4 ★★★★", "3 ★★★", "2 ★★", "1 ★"], question.Buttons.Select(b => b.Text));
        Assert.All(question.Buttons, b => Assert.Equal("callback", b.Kind));
        Assert.True((await Ticket(agent, ticketId)).GetProperty("csat").ValueKind == JsonValueKind.Null);

        var first = NewCallbackId();
        await Post(bot, Pressed(customer, bot, question, Button(question, 4), first));
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text == Prompt));
        Assert.Equal([Thanks, Prompt], SentTo(customer).SkipWhile(m => m.Text != Question).Skip(1).Select(m => m.Text));
        await Eventually(() => Task.FromResult(CallbackAnswers.Any(a => a.CallbackId == first)));
        Assert.Null(CallbackAnswers.Single(a => a.CallbackId == first).Notice);

        // Another button of the same question, pressed later: answered politely, the first score stays.
        var second = NewCallbackId();
        await Post(bot, Pressed(customer, bot, question, Button(question, 1), second));
        await Eventually(() => Task.FromResult(CallbackAnswers.Any(a => a.CallbackId == second)));
        Assert.Equal("You have already rated this conversation. Thank you!", CallbackAnswers.Single(a => a.CallbackId == second).Notice);
        var rated = await Ticket(agent, ticketId);
        Assert.Equal(4, rated.GetProperty("csat").GetProperty("score").GetInt32());

        // The customer's next words are the comment, not a new ticket.
        await Post(bot, Text(customer, "Quick and kind, thank you"));
        await Eventually(async () => (await Ticket(agent, ticketId)).GetProperty("csat").GetProperty("comment").GetString() == "Quick and kind, thank you");
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text.StartsWith("Thank you, we have passed your comment", StringComparison.Ordinal)));
        Assert.Equal(1, await agent.TicketCount(projectId));
        var history = (await Ticket(agent, ticketId)).GetProperty("history").EnumerateArray().ToList();
        Assert.Single(history, h => h.GetProperty("field").GetString() == "csat_score" && h.GetProperty("to").GetString() == "4");
        Assert.Single(history, h => h.GetProperty("field").GetString() == "csat_comment");
        Assert.Equal("customer", history.Last().GetProperty("actor").GetProperty("kind").GetString());

        // The comment was taken once: the words after it start a new ticket as before.
        await Post(bot, Text(customer, "New problem: the refund did not arrive"));
        await Eventually(async () => await agent.TicketCount(projectId) == 2);
        Assert.Single(SentTo(customer), m => m.Text == Question);
    }

    [Fact]
    public async Task Two_presses_racing_record_one_score_and_answer_the_other_as_already_rated()
    {
        var (agent, projectId, bot) = await Project(commentPrompt: null);
        var customer = NewCustomer();
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "Where is my order?");
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        var question = await Survey(customer);

        var (five, two) = (NewCallbackId(), NewCallbackId());
        await Task.WhenAll(Post(bot, Pressed(customer, bot, question, Button(question, 5), five)),
            Post(bot, Pressed(customer, bot, question, Button(question, 2), two)));
        await Eventually(() => Task.FromResult(CallbackAnswers.Count(a => a.CallbackId == five || a.CallbackId == two) == 2));

        var answers = CallbackAnswers.Where(a => a.CallbackId == five || a.CallbackId == two).ToList();
        var recorded = Assert.Single(answers, a => a.Notice is null);
        Assert.Single(answers, a => a.Notice == "You have already rated this conversation. Thank you!");
        var ticket = await Ticket(agent, ticketId);
        Assert.Equal(recorded.CallbackId == five ? 5 : 2, ticket.GetProperty("csat").GetProperty("score").GetInt32());
        Assert.Single(ticket.GetProperty("history").EnumerateArray(), h => h.GetProperty("field").GetString() == "csat_score");
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text == Thanks));
        await Task.Delay(500);
        Assert.Single(SentTo(customer), m => m.Text == Thanks);
    }

    [Fact]
    public async Task A_forged_press_naming_another_customers_ticket_another_bots_ticket_or_no_score_is_refused()
    {
        var (agent, projectId, bot) = await Project(commentPrompt: null);
        var (anna, boris) = (NewCustomer(), NewCustomer());
        var annasTicket = await OpenTicket(agent, projectId, bot, anna, "Anna's problem");
        var borisTicket = await OpenTicket(agent, projectId, bot, boris, "Boris's problem");
        await agent.Patch($"/v1/helpdesk/tickets/{annasTicket}", new { status = "closed" });
        await agent.Patch($"/v1/helpdesk/tickets/{borisTicket}", new { status = "closed" });
        var annasQuestion = await Survey(anna);
        var borisQuestion = await Survey(boris);

        // Boris edits the callback data of his own button to name Anna's ticket.
        var forged = NewCallbackId();
        await Post(bot, Pressed(boris, bot, borisQuestion, Button(annasQuestion, 1), forged));
        // A customer of another project's bot does the same.
        var (otherAgent, otherProject, otherBot) = await Project(commentPrompt: null);
        var stranger = NewCustomer();
        await OpenTicket(otherAgent, otherProject, otherBot, stranger, "Hello");
        var fromOtherBot = NewCallbackId();
        await Post(otherBot, Pressed(stranger, otherBot, borisQuestion, Button(annasQuestion, 1), fromOtherBot));
        // Boris sends a score no button carries, and a ticket id that does not exist.
        var outOfRange = NewCallbackId();
        await Post(bot, Pressed(boris, bot, borisQuestion, $"csat:{borisTicket:N}:9", outOfRange));
        var unknown = NewCallbackId();
        await Post(bot, Pressed(boris, bot, borisQuestion, $"csat:{Guid.NewGuid():N}:5", unknown));

        string[] refused = [forged, fromOtherBot, outOfRange, unknown];
        await Eventually(() => Task.FromResult(refused.All(id => CallbackAnswers.Any(a => a.CallbackId == id))));
        Assert.All(refused, id => Assert.Equal("This survey is closed.", CallbackAnswers.Single(a => a.CallbackId == id).Notice));
        Assert.Equal(JsonValueKind.Null, (await Ticket(agent, annasTicket)).GetProperty("csat").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await Ticket(agent, borisTicket)).GetProperty("csat").ValueKind);
        Assert.DoesNotContain(SentTo(anna).Concat(SentTo(boris)).Concat(SentTo(stranger)), m => m.Text == Thanks);

        // Anna's own press still counts.
        await Post(bot, Pressed(anna, bot, annasQuestion, Button(annasQuestion, 5), NewCallbackId()));
        await Eventually(async () => (await Ticket(agent, annasTicket)).GetProperty("csat").ValueKind == JsonValueKind.Object);
        Assert.Equal(5, (await Ticket(agent, annasTicket)).GetProperty("csat").GetProperty("score").GetInt32());
    }

    [Fact]
    public async Task A_reopened_ticket_refuses_the_old_buttons_and_asks_again_when_it_closes_again()
    {
        var (agent, projectId, bot) = await Project(commentPrompt: null);
        var customer = NewCustomer();
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "The app crashes");
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        var first = await Survey(customer);
        await Post(bot, Pressed(customer, bot, first, Button(first, 2), NewCallbackId()));
        await Eventually(async () => (await Ticket(agent, ticketId)).GetProperty("csat").ValueKind == JsonValueKind.Object);

        var reopened = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "in_progress" });
        Assert.Equal(JsonValueKind.Null, reopened.GetProperty("csat_requested_at").ValueKind);
        Assert.Equal(2, reopened.GetProperty("csat").GetProperty("score").GetInt32());
        var whileOpen = NewCallbackId();
        await Post(bot, Pressed(customer, bot, first, Button(first, 5), whileOpen));
        await Eventually(() => Task.FromResult(CallbackAnswers.Any(a => a.CallbackId == whileOpen)));
        Assert.Equal("This survey is closed.", CallbackAnswers.Single(a => a.CallbackId == whileOpen).Notice);

        // A new close is a new survey: its answer replaces the earlier one.
        var closed = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        Assert.Equal(JsonValueKind.String, closed.GetProperty("csat_requested_at").ValueKind);
        await WaitForSent(s => s.Count(m => m.To == IdOf(customer) && m.Text == Question) == 2);
        var second = SentTo(customer).Last(m => m.Text == Question);
        await Post(bot, Pressed(customer, bot, second, Button(second, 5), NewCallbackId()));
        await Eventually(async () => (await Ticket(agent, ticketId)).GetProperty("csat").GetProperty("score").GetInt32() == 5);
    }

    [Fact]
    public async Task With_the_survey_off_a_close_sends_nothing_and_a_chat_ticket_cannot_be_rated_through_the_api()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{Channel}", TokenOf(bot), HttpStatusCode.OK);
        var customer = NewCustomer();
        var ticketId = await OpenTicket(agent, projectId, bot, customer, "Hello");

        var closed = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        Assert.Equal(JsonValueKind.Null, closed.GetProperty("csat_requested_at").ValueKind);
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/helpdesk/csat", new { enabled = true, question_text = Question }, HttpStatusCode.OK);
        await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/csat", new { score = 5 }, HttpStatusCode.UnprocessableEntity);
        await Task.Delay(500);
        Assert.DoesNotContain(SentTo(customer), m => m.Text == Question);
    }

    private async Task<(ApiClient Agent, Guid ProjectId, TBot Bot)> Project(string? commentPrompt)
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/helpdesk/csat",
            new { enabled = true, question_text = Question, thanks_text = Thanks, comment_prompt_text = commentPrompt }, HttpStatusCode.OK);
        var bot = AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/{Channel}", TokenOf(bot), HttpStatusCode.OK);
        return (agent, projectId, bot);
    }

    /// <summary>A project without ticket types: the first message opens the ticket.</summary>
    private async Task<Guid> OpenTicket(ApiClient agent, Guid projectId, TBot bot, TCustomer customer, string text)
    {
        await Post(bot, Text(customer, text));
        await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text.StartsWith("Ticket #", StringComparison.Ordinal)));
        return (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={IdOf(customer)}")).GetProperty("items")[0]
            .GetProperty("id").GetGuid();
    }

    private async Task<BotMessage> Survey(TCustomer customer) =>
        (await WaitForSent(s => s.Any(m => m.To == IdOf(customer) && m.Text == Question))).Last(m => m.To == IdOf(customer) && m.Text == Question);

    private static string Button(BotMessage question, int score) => question.Buttons.Single(b => b.Text.StartsWith($"{score} ", StringComparison.Ordinal)).Data!;

    private IReadOnlyList<BotMessage> SentTo(TCustomer customer) => Sent().Where(m => m.To == IdOf(customer)).ToList();

    private static Task<JsonElement> Ticket(ApiClient agent, Guid ticketId) => agent.Get($"/v1/helpdesk/tickets/{ticketId}");
}

/// <summary>CSAT in Telegram: the real Telegram.Bot client against the fake Bot API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TelegramCsatTests(ClusterFixture cluster) : CsatInMessengerTests<FakeBot, TelegramCustomer>(cluster)
{
    protected override string Channel => "telegram";
    protected override FakeBot AddBot() => Cluster.Telegram.AddBot();
    protected override Dictionary<string, string> TokenOf(FakeBot bot) => new() { ["bot_token"] = bot.Token };
    protected override Task Post(FakeBot bot, string update) =>
        ChannelWebhook.Accepted(ChannelWebhook.Telegram(Cluster.Silos[0], bot, update, Cluster.Telegram.WebhookOf(bot)!.SecretToken));
    protected override TelegramCustomer NewCustomer() => TelegramCustomer.New();
    protected override long IdOf(TelegramCustomer customer) => customer.Id;
    protected override string Text(TelegramCustomer customer, string text) => TelegramUpdates.Text(customer, text);
    protected override string NewCallbackId() => TelegramUpdates.NewCallbackId();
    protected override string Pressed(TelegramCustomer customer, FakeBot bot, BotMessage under, string data, string callbackId) =>
        TelegramUpdates.Callback(customer, data, int.Parse(under.Id), callbackId, bot: bot);
    protected override IReadOnlyList<BotMessage> Sent() => Cluster.Telegram.Sent().Select(Read).ToList();
    protected override async Task<IReadOnlyList<BotMessage>> WaitForSent(Func<IReadOnlyList<BotMessage>, bool> done) =>
        (await Cluster.Telegram.WaitForSent(s => done(s.Select(Read).ToList()))).Select(Read).ToList();

    protected override IReadOnlyList<(string CallbackId, string? Notice)> CallbackAnswers =>
        Cluster.Telegram.CallsTo("answerCallbackQuery").Where(c => c.AnsweredWith == 200)
            .Select(c => (c.Field("callback_query_id")!, c.Field("text"))).ToList();

    private static BotMessage Read(SentTelegramMessage m) =>
        new(m.ChatId, m.MessageId.ToString(), m.Text, m.Buttons.Select(b => new BotButton(b.Text, b.CallbackData, b.CallbackData is null ? "url" : "callback")).ToList());
}

/// <summary>CSAT in Max: our Max client against the fake Max Bot API (inline_keyboard callback buttons, POST /answers).</summary>
[Collection(ClusterCollection.Name)]
public sealed class MaxCsatTests(ClusterFixture cluster) : CsatInMessengerTests<FakeMaxBot, MaxCustomer>(cluster)
{
    protected override string Channel => "max";
    protected override FakeMaxBot AddBot() => Cluster.Max.AddBot();
    protected override Dictionary<string, string> TokenOf(FakeMaxBot bot) => new() { ["access_token"] = bot.Token };
    protected override Task Post(FakeMaxBot bot, string update) =>
        ChannelWebhook.Accepted(ChannelWebhook.Max(Cluster.Silos[0], bot, update, Assert.Single(Cluster.Max.SubscriptionsOf(bot)).Secret));
    protected override MaxCustomer NewCustomer() => MaxCustomer.New();
    protected override long IdOf(MaxCustomer customer) => customer.UserId;
    protected override string Text(MaxCustomer customer, string text) => MaxUpdates.Text(customer, text);
    protected override string NewCallbackId() => MaxUpdates.NewCallbackId();
    protected override string Pressed(MaxCustomer customer, FakeMaxBot bot, BotMessage under, string data, string callbackId) =>
        MaxUpdates.Callback(customer, data, under.Id, callbackId, bot);
    protected override IReadOnlyList<BotMessage> Sent() => Cluster.Max.Sent().Select(Read).ToList();
    protected override async Task<IReadOnlyList<BotMessage>> WaitForSent(Func<IReadOnlyList<BotMessage>, bool> done) =>
        (await Cluster.Max.WaitForSent(s => done(s.Select(Read).ToList()))).Select(Read).ToList();

    protected override IReadOnlyList<(string CallbackId, string? Notice)> CallbackAnswers =>
        Cluster.Max.CallsTo("POST", "/answers").Where(c => c.AnsweredWith == 200)
            .Select(c => (c.QueryValue("callback_id")!, c.Body.ValueKind == JsonValueKind.Object && c.Body.TryGetProperty("notification", out var n) ? n.GetString() : null))
            .ToList();

    private static BotMessage Read(SentMaxMessage m) =>
        new(m.UserId, m.Mid, m.Text, m.Buttons.Select(b => new BotButton(b.Text, b.Payload, b.Type)).ToList());
}
