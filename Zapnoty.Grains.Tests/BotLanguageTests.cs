using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using MaxUpdates = Zapnoty.Grains.Tests.Infrastructure.MaxUpdateBuilder;
using TelegramUpdates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Bot texts in the customer's language: the real Telegram.Bot client and our Max client against
/// the fake messenger servers, updates posted to our real webhook routes with the language the
/// messenger reports (Telegram <c>language_code</c>, Max <c>user_locale</c>).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BotLanguageTests(ClusterFixture cluster)
{
    private const string RussianGreetingStart = "Здравствуйте! Это поддержка ";
    private const string EnglishGreetingStart = "Hi! This is ";

    [Fact]
    public async Task A_Russian_speaking_customer_is_greeted_offered_the_types_and_told_the_ticket_and_its_status_in_Russian_while_an_English_one_gets_English()
    {
        var (agent, projectId, bot) = await TelegramProject();
        var billing = (await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Billing" })).GetProperty("id").GetGuid();
        await agent.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Bug" });
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/texts/ru",
            new { ticket_type_names = new Dictionary<string, string> { [billing.ToString()] = "Оплата" } }, HttpStatusCode.OK);

        var olga = TelegramCustomer.New("Ольга", null, null) with { LanguageCode = "ru" };
        await Post(bot, TelegramUpdates.Start(olga));
        Assert.StartsWith(RussianGreetingStart, (await NextTo(olga, 1)).Text);

        await Post(bot, TelegramUpdates.Text(olga, "Не пришёл чек"));
        var picker = await NextTo(olga, 2);
        Assert.Equal("Спасибо! К какой теме это относится?", picker.Text);
        Assert.Equal(["Оплата", "Bug"], picker.Buttons.Select(b => b.Text));

        await Post(bot, TelegramUpdates.Callback(olga, picker.Buttons[0].CallbackData!, picker.MessageId, bot: bot));
        Assert.Matches(@"^Обращение №\d+ создано\. Мы ответим вам здесь\.$", (await NextTo(olga, 3)).Text);
        await Post(bot, TelegramUpdates.Text(olga, "/status"));
        Assert.Matches(@"^Обращение №\d+: новое\.$", (await NextTo(olga, 4)).Text);

        // The same bot, a customer whose app is in English.
        var anna = TelegramCustomer.New();
        await Post(bot, TelegramUpdates.Text(anna, "My receipt did not arrive"));
        var englishPicker = await NextTo(anna, 1);
        Assert.Equal("Thanks! What is it about?", englishPicker.Text);
        Assert.Equal(["Billing", "Bug"], englishPicker.Buttons.Select(b => b.Text));
    }

    [Fact]
    public async Task A_language_the_bots_do_not_speak_gets_the_project_default_and_the_project_own_texts_win_over_the_shipped_ones()
    {
        var (agent, projectId, bot) = await TelegramProject("Acme Shop");
        var hans = TelegramCustomer.New("Hans", null, null) with { LanguageCode = "de" };
        await Post(bot, TelegramUpdates.Start(hans));
        Assert.StartsWith(EnglishGreetingStart, (await NextTo(hans, 1)).Text);

        var settings = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/settings", new { default_language = "ru" }, HttpStatusCode.OK);
        Assert.Equal("ru", settings.GetProperty("default_language").GetString());
        await Post(bot, TelegramUpdates.Start(hans));
        Assert.StartsWith(RussianGreetingStart, (await NextTo(hans, 2)).Text);

        var russian = await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/texts/ru",
            new { texts = new { greeting = "Привет от {project}!\nНапишите, что случилось." } }, HttpStatusCode.OK);
        Assert.True(russian.GetProperty("is_default").GetBoolean());
        Assert.Equal("Привет от {project}!\nНапишите, что случилось.", russian.GetProperty("texts").GetProperty("greeting").GetString());
        Assert.StartsWith(RussianGreetingStart, russian.GetProperty("defaults").GetProperty("greeting").GetString());
        Assert.Equal(["greeting"], russian.GetProperty("own").EnumerateObject().Select(p => p.Name));
        await Post(bot, TelegramUpdates.Start(hans));
        Assert.Equal("Привет от Acme Shop!\nНапишите, что случилось.", (await NextTo(hans, 3)).Text);

        // A language with none of its own texts cannot be the default; once written, it can, and unset texts fall back.
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/settings", new { default_language = "de" }, HttpStatusCode.BadRequest);
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/texts/de", new { texts = new { greeting = "Hallo von {project}!" } },
            HttpStatusCode.OK);
        Assert.Equal(["de", "en", "ru"], (await agent.Get($"/v1/projects/{projectId}/channels/settings")).GetProperty("languages")
            .EnumerateArray().Select(l => l.GetString()));
        await Post(bot, TelegramUpdates.Start(hans));
        Assert.Equal("Hallo von Acme Shop!", (await NextTo(hans, 4)).Text);
        await Post(bot, TelegramUpdates.Text(hans, "/new"));
        Assert.Equal("Опишите новую проблему одним сообщением.", (await NextTo(hans, 5)).Text);

        // The route of the first release edits the default language's texts.
        var legacy = await agent.Call(HttpMethod.Patch, $"/v1/projects/{projectId}/channels/texts", new { new_ticket = "Что ещё случилось?" }, HttpStatusCode.OK);
        Assert.Equal("Что ещё случилось?", legacy.GetProperty("new_ticket").GetString());
        Assert.Equal("Что ещё случилось?", (await agent.Get($"/v1/projects/{projectId}/channels/texts/ru")).GetProperty("own").GetProperty("new_ticket").GetString());
    }

    [Fact]
    public async Task A_Max_customer_with_a_Russian_locale_is_answered_in_Russian_and_kept_in_it_when_an_update_carries_no_locale()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Max.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/max", new { access_token = bot.Token }, HttpStatusCode.OK);
        var secret = Assert.Single(cluster.Max.SubscriptionsOf(bot)).Secret;
        Task PostMax(string update) => ChannelWebhook.Accepted(ChannelWebhook.Max(cluster.Silos[0], bot, update, secret));

        var olga = MaxCustomer.New("Ольга", null, null) with { Locale = "ru-RU" };
        await PostMax(MaxUpdates.Text(olga, "Не работает оплата"));
        var created = await cluster.Max.WaitForSent(s => s.Any(m => m.UserId == olga.UserId));
        Assert.Matches(@"^Обращение №\d+ создано\.", created.Last(m => m.UserId == olga.UserId).Text);

        await PostMax(MaxUpdates.Text(olga with { Locale = null }, "/status"));
        var status = await cluster.Max.WaitForSent(s => s.Count(m => m.UserId == olga.UserId) == 2);
        Assert.Matches(@"^Обращение №\d+: новое\.$", status.Last(m => m.UserId == olga.UserId).Text);
    }

    [Fact]
    public async Task The_survey_a_close_sends_is_in_the_language_the_customer_last_used_and_the_survey_settings_texts_stay_the_default_language()
    {
        var (agent, projectId, bot) = await TelegramProject();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/helpdesk/csat",
            new { enabled = true, question_text = "Rate us, please!", comment_prompt_text = "Anything to add?" }, HttpStatusCode.OK);
        var olga = TelegramCustomer.New("Ольга", null, null) with { LanguageCode = "ru" };
        var anna = TelegramCustomer.New();
        var olgasTicket = await OpenTicket(agent, projectId, bot, olga, "Не пришёл чек");
        var annasTicket = await OpenTicket(agent, projectId, bot, anna, "No receipt");

        // No update comes with a close: Olga's language is the one kept on her.
        await agent.Patch($"/v1/helpdesk/tickets/{olgasTicket}", new { status = "closed" });
        await agent.Patch($"/v1/helpdesk/tickets/{annasTicket}", new { status = "closed" });
        var question = await NextTo(olga, 2);
        Assert.Equal("Как мы справились? Оцените нашу помощь от 1 (плохо) до 5 (отлично).", question.Text);
        Assert.Equal("Rate us, please!", (await NextTo(anna, 2)).Text);

        await Post(bot, TelegramUpdates.Callback(olga, question.Buttons[0].CallbackData!, question.MessageId, bot: bot));
        Assert.Equal("Спасибо за оценку!", (await NextTo(olga, 3)).Text);
        Assert.Equal("Хотите рассказать подробнее? Просто напишите здесь.", (await NextTo(olga, 4)).Text);
        await Post(bot, TelegramUpdates.Text(olga, "Всё отлично"));
        Assert.Equal("Спасибо, мы передали ваш комментарий команде.", (await NextTo(olga, 5)).Text);
    }

    [Fact]
    public async Task Texts_are_checked_for_length_control_characters_placeholders_keys_types_and_the_language_code_is_two_or_three_letters()
    {
        var (agent, projectId, _) = await TelegramProject();
        var (otherAgent, otherProject, _) = await TelegramProject();
        var foreignType = (await otherAgent.Post($"/v1/projects/{otherProject}/helpdesk/ticket-types", new { name = "Theirs" })).GetProperty("id").GetGuid();
        var texts = $"/v1/projects/{projectId}/channels/texts";

        await Refused(HttpMethod.Put, $"{texts}/ru", new { texts = new { ticket_created = "Обращение №{nubmer} создано" } }, "texts.ticket_created");
        await Refused(HttpMethod.Put, $"{texts}/ru", new { texts = new { greeting = "Привет\u001b[31m" } }, "texts.greeting");
        await Refused(HttpMethod.Put, $"{texts}/ru", new { texts = new { greeting = new string('а', 1001) } }, "texts.greeting");
        await Refused(HttpMethod.Put, $"{texts}/ru", new { texts = new { csat_closed = new string('а', 201) } }, "texts.csat_closed");
        await Refused(HttpMethod.Put, $"{texts}/ru", new { texts = new { greeting = "   " } }, "texts.greeting");
        await Refused(HttpMethod.Put, $"{texts}/ru", new { texts = new { farewell = "Пока" } }, "texts.farewell");
        await Refused(HttpMethod.Put, $"{texts}/ru", new { ticket_type_names = new Dictionary<string, string> { [foreignType.ToString()] = "Чужой" } },
            $"ticket_type_names.{foreignType}");
        await Refused(HttpMethod.Put, $"{texts}/ru", new { ticket_type_names = new Dictionary<string, string> { ["billing"] = "Оплата" } },
            "ticket_type_names.billing");
        await agent.Call(HttpMethod.Put, $"{texts}/russian", new { texts = new { greeting = "Привет" } }, HttpStatusCode.NotFound);
        await agent.Call(HttpMethod.Get, $"{texts}/r1", null, HttpStatusCode.NotFound);
        await Refused(HttpMethod.Put, $"/v1/projects/{projectId}/channels/settings", new { default_language = (string?)null }, "default_language");

        // Every placeholder of its key is allowed, and nothing was written by the refusals.
        var ok = await agent.Call(HttpMethod.Put, $"{texts}/ru", new { texts = new { status = "{project}: №{number} — {status}" } }, HttpStatusCode.OK);
        Assert.Equal(["status"], ok.GetProperty("own").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["project", "number", "status"], ok.GetProperty("placeholders").GetProperty("status").EnumerateArray().Select(p => p.GetString()));

        async Task Refused(HttpMethod method, string path, object? body, string field)
        {
            var problem = await agent.Call(method, path, body, HttpStatusCode.BadRequest);
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"{method} {path}: {problem}");
        }
    }

    private async Task<(ApiClient Agent, Guid ProjectId, FakeBot Bot)> TelegramProject(string? name = null)
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject(name);
        var bot = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        return (agent, projectId, bot);
    }

    private Task Post(FakeBot bot, string update) =>
        ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, update, cluster.Telegram.WebhookOf(bot)!.SecretToken));

    /// <summary>The <paramref name="count"/>-th message the bot sent the customer, once it is there.</summary>
    private async Task<SentTelegramMessage> NextTo(TelegramCustomer customer, int count)
    {
        await cluster.Telegram.WaitForSent(_ => cluster.Telegram.Sent(customer.ChatId).Count >= count);
        return cluster.Telegram.Sent(customer.ChatId)[count - 1];
    }

    /// <summary>A project without ticket types: the first message opens the ticket (the bot's first message to the customer).</summary>
    private async Task<Guid> OpenTicket(ApiClient agent, Guid projectId, FakeBot bot, TelegramCustomer customer, string text)
    {
        await Post(bot, TelegramUpdates.Text(customer, text));
        await NextTo(customer, 1);
        JsonElement tickets = default;
        await Eventually(async () =>
        {
            tickets = (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets?customer_external_id={customer.Id}")).GetProperty("items");
            return tickets.GetArrayLength() == 1;
        });
        return tickets[0].GetProperty("id").GetGuid();
    }
}

/// <summary>What language an update names: the language part of the messenger's tag, as each messenger's parser reads it.</summary>
public sealed class UpdateLanguageTests
{
    [Theory]
    [InlineData("ru", "ru")]
    [InlineData("pt-br", "pt")]
    [InlineData("en-US", "en")]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("x", null)]
    [InlineData("123", null)]
    public void A_Telegram_language_code_names_its_language(string? languageCode, string? expected)
    {
        var customer = TelegramCustomer.New() with { LanguageCode = languageCode };
        var update = Channels.Telegram.TelegramUpdates.Parse(TelegramUpdates.Text(customer, "hello"), DateTimeOffset.UtcNow);
        Assert.Equal(expected, update!.User.Language);
    }

    [Theory]
    [InlineData("ru-RU", "ru")]
    [InlineData("en", "en")]
    [InlineData(null, null)]
    public void A_Max_user_locale_names_its_language(string? locale, string? expected)
    {
        var customer = MaxCustomer.New() with { Locale = locale };
        Assert.Equal(expected, Channels.Max.MaxUpdates.Parse(MaxUpdates.Text(customer, "hello"), DateTimeOffset.UtcNow)!.User.Language);
        Assert.Equal(expected, Channels.Max.MaxUpdates.Parse(MaxUpdates.Started(customer), DateTimeOffset.UtcNow)!.User.Language);
        Assert.Equal(expected, Channels.Max.MaxUpdates.Parse(MaxUpdates.Callback(customer, "type:x"), DateTimeOffset.UtcNow)!.User.Language);
    }
}
