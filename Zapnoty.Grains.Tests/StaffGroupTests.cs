using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;
using Zapnoty.Grains.Tests.Dashboard;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Group = Zapnoty.Grains.Tests.Infrastructure.StaffGroupUpdates;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Answering from a Telegram forum group: the real Telegram.Bot client against the fake Bot API
/// (forum topics, message_thread_id, chat members), updates posted to our real webhook route.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class StaffGroupTests(ClusterFixture cluster, BrowserFixture browser, ITestOutputHelper output)
{
    private FakeTelegramServer Telegram => cluster.Telegram;

    [Fact]
    public async Task An_admin_links_a_forum_group_with_a_code_sent_there_and_each_new_ticket_opens_a_topic_with_its_details_and_buttons()
    {
        var team = await Team();
        var group = team.Group;

        var linked = await team.Admin.Get($"/v1/projects/{team.ProjectId}/channels/telegram/staff-group");
        Assert.Equal(group.Id.ToString(), linked.GetProperty("chat_id").GetString());
        Assert.Equal(group.Title, linked.GetProperty("title").GetString());
        Assert.False(linked.GetProperty("broken").GetBoolean());

        var customer = TelegramCustomer.New("Boris", "Ivanov", "boris_iv");
        var ticketId = await OpenTicket(team, customer, "My parcel is lost");
        var thread = await TopicOf(group, "#1 My parcel is lost");
        var said = await Telegram.WaitForSent(s => s.Count(m => m.ChatId == group.Id && m.Call.Field("message_thread_id") == thread.ToString()) >= 2);
        var inTopic = said.Where(m => m.ChatId == group.Id && m.Call.Field("message_thread_id") == thread.ToString()).ToList();
        Assert.Contains("Customer: Boris Ivanov (@boris_iv)", inTopic[0].Text);
        Assert.Equal([$"sg:take:{ticketId:N}", $"sg:priority:{ticketId:N}", $"sg:close:{ticketId:N}", $"sg:note:{ticketId:N}"], inTopic[0].Buttons.Select(b => b.CallbackData));
        Assert.Equal("👤 Boris Ivanov (@boris_iv): My parcel is lost", inTopic[1].Text);

        // The customer's next message, with a photo, shows in the same topic.
        await Post(team.Bot, Updates.Photo(customer, caption: "Here is the label", fileId: "label-photo"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == group.Id && m.Text == "👤 Boris Ivanov (@boris_iv): Here is the label"));
        await Telegram.WaitForFiles(f => f.Any(x => x.ChatId == group.Id && x.Method == "sendPhoto"));
        Assert.Single(Telegram.Topics(group.Id));
    }

    [Fact]
    public async Task An_agent_handles_a_ticket_from_its_topic_and_the_dashboard_and_each_side_sees_the_other()
    {
        var team = await Team();
        var customer = TelegramCustomer.New();
        var ticketId = await OpenTicket(team, customer, "Where is my refund?");
        var thread = await TopicOf(team.Group, "#1 Where is my refund?");

        // A message in the topic is the agent's reply: the customer gets it, history names the agent.
        await Post(team.Bot, Group.Text(team.AdminOnTelegram, team.Group, thread, "We sent it yesterday"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == "We sent it yesterday"));
        var reply = await MessageWithText(team, ticketId, "We sent it yesterday");
        Assert.Equal("agent", reply.GetProperty("author").GetString());
        Assert.Equal(team.AdminUserId, reply.GetProperty("agent_id").GetString());
        Assert.False(reply.GetProperty("internal").GetBoolean());
        await Eventually(async () => (await Ticket(team, ticketId)).GetProperty("first_reply_at").ValueKind == JsonValueKind.String);

        // /note stays internal.
        await Post(team.Bot, Group.Text(team.AdminOnTelegram, team.Group, thread, "/note check the bank statement"));
        var note = await MessageWithText(team, ticketId, "check the bank statement");
        Assert.True(note.GetProperty("internal").GetBoolean());

        // A reply from the dashboard shows in the topic, once; the group's own reply is not echoed back.
        await team.Admin.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Refund id is R-77" });
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.EndsWith("(dashboard): Refund id is R-77")));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == "Refund id is R-77"));
        // An edit of an agent's message is refused with the reason, never sent.
        var edited = Updates.NextMessageId();
        await Post(team.Bot, Group.Edited(team.AdminOnTelegram, team.Group, thread, edited, "We sent it today"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.StartsWith("Edits are not passed on")));

        // /close closes the ticket and the topic, whose name shows it.
        await Post(team.Bot, Group.Text(team.AdminOnTelegram, team.Group, thread, "/close"));
        await Eventually(async () => (await Ticket(team, ticketId)).GetProperty("status").GetString() == "closed");
        await Eventually(() => Task.FromResult(Telegram.Topics(team.Group.Id)[thread] is { Closed: true, Name: "✅ #1 Where is my refund?" }));

        var topicLines = Telegram.SentInTopic(team.Group.Id, thread).Select(m => m.Text).ToList();
        Assert.Single(topicLines, t => t.EndsWith("Refund id is R-77"));
        Assert.DoesNotContain(topicLines, t => t.Contains("We sent it yesterday"));
        Assert.DoesNotContain(Telegram.Sent(customer.ChatId), m => m.Text.Contains("bank statement") || m.Text.Contains("today"));
    }

    [Fact]
    public async Task Messages_from_unlinked_people_and_viewers_never_reach_the_customer_and_the_topic_says_why()
    {
        var team = await Team();
        var customer = TelegramCustomer.New();
        var ticketId = await OpenTicket(team, customer, "Broken zipper");
        var thread = await TopicOf(team.Group, "#1 Broken zipper");

        var stranger = TelegramCustomer.New("Stranger", null, "stranger");
        await Post(team.Bot, Group.Text(stranger, team.Group, thread, "I am not on the team"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.StartsWith("@stranger, your Telegram account is not linked")));

        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.com";
        await team.Admin.Post($"/v1/projects/{team.ProjectId}/members", new { email = viewerEmail, role = "viewer" });
        var viewer = await cluster.Api().LogInAs(viewerEmail);
        var viewerOnTelegram = TelegramCustomer.New("Vera", null, "vera_v");
        await LinkAccount(team, viewer, viewerOnTelegram, groupLinked: true);
        await Post(team.Bot, Group.Text(viewerOnTelegram, team.Group, thread, "A viewer's answer"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.StartsWith("@vera_v, you are a viewer")));
        await Post(team.Bot, Group.Pressed(viewerOnTelegram, team.Group, thread, 1, $"sg:close:{ticketId:N}", team.Bot));
        await Telegram.WaitForSent(s => s.Count(m => m.ChatId == team.Group.Id && m.Text.StartsWith("@vera_v, you are a viewer")) == 2);

        var messages = (await Ticket(team, ticketId)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToList();
        Assert.DoesNotContain("I am not on the team", messages);
        Assert.DoesNotContain("A viewer's answer", messages);
        Assert.NotEqual("closed", (await Ticket(team, ticketId)).GetProperty("status").GetString());
        Assert.DoesNotContain(Telegram.Sent(customer.ChatId), m => m.Text.Contains("team") || m.Text.Contains("viewer"));
    }

    [Fact]
    public async Task A_link_code_works_once_for_its_owner_only_and_only_a_group_admin_can_offer_a_group()
    {
        var (admin, projectId, bot) = await ProjectWithBot();
        var group = TelegramGroup.New();
        var adminOnTelegram = TelegramCustomer.New("Alla", null, "alla_admin");
        var code = (await admin.Post("/v1/me/telegram-link", new { }, HttpStatusCode.OK)).GetProperty("code").GetString()!;

        // Not an administrator of the group: refused, and the code is not spent.
        await Post(bot, Group.Text(adminOnTelegram, group, null, $"/link {code}"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == group.Id && m.Text == "Only an administrator of this group can link it to a project."));
        await admin.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram/staff-group", new { code }, HttpStatusCode.BadRequest);

        Telegram.SetMemberStatus(group.Id, adminOnTelegram.Id, "creator");
        await Post(bot, Group.Text(adminOnTelegram, group, null, $"/link {code}"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == group.Id && m.Text.StartsWith("Your Telegram account now answers as")));

        // Someone else who read the code in the group cannot link with it.
        var other = TelegramCustomer.New("Oleg", null, "oleg");
        Telegram.SetMemberStatus(group.Id, other.Id, "administrator");
        await Post(bot, Group.Text(other, group, null, $"/link {code}"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == group.Id && m.Text.StartsWith("This code is unknown")));
        // Another admin of the project cannot link with a code that is not theirs.
        var otherEmail = $"admin-{Guid.NewGuid():N}@example.com";
        await admin.Post($"/v1/projects/{projectId}/members", new { email = otherEmail, role = "admin" });
        var otherAdmin = await cluster.Api().LogInAs(otherEmail);
        await otherAdmin.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram/staff-group", new { code }, HttpStatusCode.BadRequest);

        await admin.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram/staff-group", new { code }, HttpStatusCode.OK);
        // Used up.
        await admin.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram/staff-group", new { code }, HttpStatusCode.BadRequest);

        // The code is not kept in the inbox of updates once they are applied.
        await Eventually(async () =>
        {
            await using var stored = cluster.Database.CreateCommand("SELECT count(*) FROM channel_updates WHERE strpos(payload::text, $1) > 0");
            stored.Parameters.Add(new Npgsql.NpgsqlParameter { Value = code });
            return (long)(await stored.ExecuteScalarAsync())! == 0;
        });

        await admin.Call(HttpMethod.Delete, $"/v1/projects/{projectId}/channels/telegram/staff-group", null, HttpStatusCode.NoContent);
        await admin.Call(HttpMethod.Get, $"/v1/projects/{projectId}/channels/telegram/staff-group", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_bot_removed_from_the_group_marks_the_link_broken_and_customers_are_still_answered()
    {
        var team = await Team();
        Telegram.RemoveFromGroup(team.Bot, team.Group.Id);
        await Post(team.Bot, Group.BotMembership(team.AdminOnTelegram, team.Group, team.Bot, "left"));
        await Eventually(async () => (await team.Admin.Get($"/v1/projects/{team.ProjectId}/channels/telegram/staff-group")).GetProperty("broken").GetBoolean());
        var linked = await team.Admin.Get($"/v1/projects/{team.ProjectId}/channels/telegram/staff-group");
        Assert.Equal("The bot was removed from the group.", linked.GetProperty("broken_reason").GetString());

        var customer = TelegramCustomer.New();
        var ticketId = await OpenTicket(team, customer, "Still there?");
        await team.Admin.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Yes, we are" });
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text == "Yes, we are"));
        Assert.Empty(Telegram.Topics(team.Group.Id));
    }

    [Fact]
    public async Task A_burst_of_new_tickets_opens_one_topic_each_at_the_groups_pace_and_waits_out_every_retry_after()
    {
        var team = await Team();
        const int tickets = 200;
        // Telegram's flood control for the group at the rate the test silos pace it to: a call beyond it answers 429.
        Telegram.FloodControl(team.Group.Id, ClusterFixture.StaffGroupMessagesPerWindow, ClusterFixture.StaffGroupPacingWindow);
        Telegram.FailNextCall("createForumTopic", 3, TelegramFailure.TooManyRequests(retryAfter: 1));
        Telegram.FailNext(team.Group.Id, 3, TelegramFailure.TooManyRequests(retryAfter: 1));
        var customers = Enumerable.Range(0, tickets).Select(i => TelegramCustomer.New($"C{i}", null, null)).ToList();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(customers.Select(c => Post(team.Bot, Updates.Text(c, $"Question of {c.FirstName}"))));
        await Eventually(async () => await team.Admin.TicketCount(team.ProjectId) == tickets, 120);
        var created = clock.Elapsed;

        // Three calls a ticket (topic, details, the customer's message) at the test pace take about 15 s, plus six
        // 1 s waits; the bound only catches a queue that stopped, whatever the machine's speed.
        var lines = new Dictionary<int, IReadOnlyList<SentTelegramMessage>>();
        var bound = clock.Elapsed + TimeSpan.FromSeconds(300);
        while (true)
        {
            var byTopic = Telegram.Sent(team.Group.Id).ToLookup(m => m.Call.Field("message_thread_id"));
            lines = Telegram.Topics(team.Group.Id).Keys.ToDictionary(thread => thread, thread => (IReadOnlyList<SentTelegramMessage>)byTopic[thread.ToString()].ToList());
            if (lines.Count >= tickets && lines.Values.All(l => l.Count >= 2)) break;
            if (clock.Elapsed > bound)
            {
                var calls = Telegram.Calls.Where(c => c.ChatId == team.Group.Id).ToList();
                Assert.Fail($"After {clock.Elapsed.TotalSeconds:F0} s: {lines.Count} topics, {lines.Values.Count(l => l.Count >= 2)} complete; "
                    + $"{calls.Count} calls to the group ({calls.Count(c => c.AnsweredWith == 429)} answered 429), the last at {calls.LastOrDefault()?.At:HH:mm:ss.fff}");
            }
            await Task.Delay(200);
        }
        output.WriteLine($"Burst of {tickets}: tickets created in {created.TotalSeconds:F1} s, every topic complete after {clock.Elapsed.TotalSeconds:F1} s");
        var seen = Telegram.Calls.Where(c => c.ChatId == team.Group.Id).ToList();
        foreach (var gap in seen.Zip(seen.Skip(1)).GroupBy(p => $"{p.First.Method}:{p.First.AnsweredWith} -> {p.Second.Method}"))
        {
            var ms = gap.Select(p => (p.Second.At - p.First.At).TotalMilliseconds).Order().ToList();
            output.WriteLine($"{gap.Key}: {ms.Count} gaps, median {ms[ms.Count / 2]:F0} ms, p90 {ms[ms.Count * 9 / 10]:F0} ms, max {ms[^1]:F0} ms");
        }

        // One topic per ticket, none lost or made twice, each with the details and the customer's message once.
        var names = Telegram.Topics(team.Group.Id).Values.Select(t => t.Name.Split(' ')[0]).ToList();
        Assert.Equal(tickets, names.Count);
        Assert.Equal(Enumerable.Range(1, tickets).Select(n => $"#{n}").ToHashSet(), names.ToHashSet());
        Assert.All(lines.Values, l =>
        {
            Assert.StartsWith("#", l[0].Text);
            var customer = l[0].Text.Split('\n')[1]["Customer: ".Length..];
            Assert.Single(l, m => m.Text == $"👤 {customer}: Question of {customer}");
        });

        // The pace kept the group under Telegram's limit: the only 429s are the six scripted ones.
        // After each, the group heard nothing until its retry_after (1 s) was over, and then soon
        // again (not at the next 30 s sweep); 15 s leaves room for a slow machine.
        var toGroup = Telegram.Calls.Where(c => c.ChatId == team.Group.Id).ToList();
        Assert.Equal(6, toGroup.Count(c => c.AnsweredWith == 429));
        foreach (var (refused, index) in toGroup.Select((c, i) => (c, i)).Where(x => x.c.AnsweredWith == 429))
        {
            var gap = toGroup[index + 1].At - refused.At;
            Assert.True(gap >= TimeSpan.FromSeconds(0.95) && gap < TimeSpan.FromSeconds(15),
                $"The group's next call came {gap.TotalMilliseconds:F0} ms after a 429 with retry_after 1");
        }
        // Every customer got their confirmation too.
        await Telegram.WaitForSent(s => customers.All(c => s.Any(m => m.ChatId == c.ChatId && m.Text.StartsWith("Ticket #"))), 120);
    }

    [Fact]
    public async Task A_ticket_handled_from_its_topic_is_drawn_from_the_fake_Bot_APIs_transcript_for_the_README()
    {
        var team = await Team();
        await team.Admin.Call(HttpMethod.Patch, "/v1/auth/me", new { name = "Alla Petrova" }, HttpStatusCode.OK);
        var customer = TelegramCustomer.New("Boris", "Ivanov", "boris_iv");
        var ticketId = await OpenTicket(team, customer, "My parcel has not arrived, order 4471");
        var thread = await TopicOf(team.Group, "#1 My parcel has not arrived, order 4471");
        await Telegram.WaitForSent(s => s.Count(m => m.ChatId == team.Group.Id && m.Call.Field("message_thread_id") == thread.ToString()) >= 2);

        // What staff write in the topic: the fake records only the bot's calls, so the test keeps these itself.
        var staff = new List<TopicLine>();
        async Task Write(string text)
        {
            staff.Add(new TopicLine(DateTimeOffset.UtcNow, team.AdminOnTelegram.FirstName, text, [], Mine: true));
            await Post(team.Bot, Group.Text(team.AdminOnTelegram, team.Group, thread, text));
        }
        await Write("Sorry about that! I am checking with the courier now.");
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Sorry about that!")));
        await Write("/note The courier says it is stuck at the Kazan depot");
        await MessageWithText(team, ticketId, "The courier says it is stuck at the Kazan depot");
        await Post(team.Bot, Updates.Text(customer, "Thank you! Any news?"));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.EndsWith("Thank you! Any news?")));
        await team.Admin.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "It left the depot today: tracking number ZX-1188." });
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == team.Group.Id && m.Text.EndsWith("tracking number ZX-1188.")));
        await Write("/close");
        await Eventually(() => Task.FromResult(Telegram.Topics(team.Group.Id)[thread].Closed));

        var topic = Telegram.Topics(team.Group.Id)[thread];
        var bot = Telegram.SentInTopic(team.Group.Id, thread)
            .Select(m => new TopicLine(m.Call.At, "Support bot", m.Text, m.Buttons.Select(b => b.Text).ToList(), Mine: false)).ToList();
        Assert.Equal(["Take it", "Priority ↑", "Close", "Note"], bot[0].Buttons);
        Assert.Contains(bot, l => l.Text == "💬 Alla Petrova (dashboard): It left the depot today: tracking number ZX-1188.");
        Assert.Contains(bot, l => l.Text.StartsWith("Status: ") && l.Text.EndsWith("→ closed"));
        await using var page = await browser.NewPage(cluster.Silos[0].BaseAddress!, width: 460, height: 400);
        await page.Page.SetContentAsync(TopicTranscriptPage.Html(team.Group.Title, topic.Name, topic.Closed, bot.Concat(staff)));
        await page.Screenshot("staff-group-topic");
    }

    private sealed record LinkedTeam(ApiClient Admin, string AdminUserId, Guid ProjectId, FakeBot Bot, TelegramGroup Group, TelegramCustomer AdminOnTelegram);

    /// <summary>A project with a bot, and a forum group linked by its admin, whose Telegram account is linked too.</summary>
    private async Task<LinkedTeam> Team()
    {
        var (admin, projectId, bot) = await ProjectWithBot();
        var group = TelegramGroup.New();
        var adminOnTelegram = TelegramCustomer.New("Alla", null, $"alla{Random.Shared.Next(100_000)}");
        Telegram.SetMemberStatus(group.Id, adminOnTelegram.Id, "creator");
        var code = await LinkAccount(new LinkedTeam(admin, "", projectId, bot, group, adminOnTelegram), admin, adminOnTelegram, groupLinked: false);
        await admin.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram/staff-group", new { code }, HttpStatusCode.OK);
        var me = (await admin.Get("/v1/auth/me")).GetProperty("id").GetString()!;
        return new LinkedTeam(admin, me, projectId, bot, group, adminOnTelegram);
    }

    private async Task<string> LinkAccount(LinkedTeam team, ApiClient person, TelegramCustomer onTelegram, bool groupLinked)
    {
        var code = (await person.Post("/v1/me/telegram-link", new { }, HttpStatusCode.OK)).GetProperty("code").GetString()!;
        var before = Telegram.Sent(team.Group.Id).Count;
        await Post(team.Bot, Group.Text(onTelegram, team.Group, null, $"/link {code}"));
        var answer = (await Telegram.WaitForSent(s => s.Count(m => m.ChatId == team.Group.Id) > before)).Where(m => m.ChatId == team.Group.Id).Last();
        Assert.StartsWith("Your Telegram account now answers as", answer.Text);
        Assert.Equal(groupLinked, !answer.Text.Contains("A project admin can now link this group"));
        return code;
    }

    private async Task<(ApiClient Admin, Guid ProjectId, FakeBot Bot)> ProjectWithBot()
    {
        var admin = await cluster.Api().LogInAs();
        var projectId = await admin.CreateProject();
        var bot = Telegram.AddBot();
        await admin.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new Dictionary<string, string> { ["bot_token"] = bot.Token },
            HttpStatusCode.OK);
        return (admin, projectId, bot);
    }

    private async Task<Guid> OpenTicket(LinkedTeam team, TelegramCustomer customer, string text)
    {
        await Post(team.Bot, Updates.Text(customer, text));
        await Telegram.WaitForSent(s => s.Any(m => m.ChatId == customer.ChatId && m.Text.StartsWith("Ticket #")));
        return (await team.Admin.Get($"/v1/projects/{team.ProjectId}/helpdesk/tickets?customer_external_id={customer.Id}")).GetProperty("items")[0]
            .GetProperty("id").GetGuid();
    }

    private async Task<int> TopicOf(TelegramGroup group, string name)
    {
        var thread = 0;
        await Eventually(() => Task.FromResult(Telegram.Topics(group.Id).FirstOrDefault(t => t.Value.Name == name) is { Key: > 0 } found
            && (thread = found.Key) > 0));
        return thread;
    }

    private static Task<JsonElement> Ticket(LinkedTeam team, Guid ticketId) => team.Admin.Get($"/v1/helpdesk/tickets/{ticketId}");

    private static async Task<JsonElement> MessageWithText(LinkedTeam team, Guid ticketId, string text)
    {
        JsonElement found = default;
        await Eventually(async () =>
        {
            var match = (await Ticket(team, ticketId)).GetProperty("messages").EnumerateArray().Where(m => m.GetProperty("text").GetString() == text).ToList();
            if (match.Count == 0) return false;
            found = match[0];
            return true;
        });
        return found;
    }

    private Task Post(FakeBot bot, string update) => ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, update, Telegram.WebhookOf(bot)!.SecretToken));
}
