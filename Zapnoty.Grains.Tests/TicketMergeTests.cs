using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TicketMergeTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string Merge(Guid ticketId) => $"/v1/helpdesk/tickets/{ticketId}/merge";

    private static IEnumerable<string?> Texts(JsonElement ticket) => ticket.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString());

    private static IEnumerable<string?> Fields(JsonElement ticket) => ticket.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("field").GetString());

    [Fact]
    public async Task Merging_moves_the_messages_in_time_order_closes_the_source_with_a_pointer_and_is_announced_and_audited()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "ticket.merged", "ticket.status_changed" } });
        var target = (await owner.CreateTicket(projectId, "My parcel is late", "crm-1")).GetProperty("id").GetGuid();
        var source = (await owner.CreateTicket(projectId, "Also, the invoice is wrong", "crm-1")).GetProperty("id").GetGuid();
        await owner.Post($"/v1/helpdesk/tickets/{target}/replies", new { text = "Looking into the parcel" });
        await owner.Post($"/v1/helpdesk/tickets/{source}/customer-reply", new { text = "Invoice number 77" });
        await owner.Post($"/v1/helpdesk/tickets/{target}/customer-reply", new { text = "Thanks!" });

        // Merged from the other silo: the survivor's grain there must see the moved messages at once.
        var survivor = await cluster.Api(1).WithToken(owner.Token).Post(Merge(source), new { into_ticket_id = target }, HttpStatusCode.OK);
        Assert.Equal(target, survivor.GetProperty("id").GetGuid());
        Assert.Equal(JsonValueKind.Null, survivor.GetProperty("merged_into").ValueKind);

        var merged = await owner.Get($"/v1/helpdesk/tickets/{target}");
        Assert.Equal(["My parcel is late", "Also, the invoice is wrong", "Looking into the parcel", "Invoice number 77", "Thanks!"], Texts(merged));
        Assert.Contains("merged_from", Fields(merged));
        Assert.Equal(source.ToString(), merged.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("field").GetString() == "merged_from")
            .GetProperty("to").GetString());
        Assert.Equal(5, (await owner.Get($"/v1/helpdesk/tickets/{target}/messages")).GetProperty("items").GetArrayLength());

        var closed = await owner.Get($"/v1/helpdesk/tickets/{source}");
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal(target, closed.GetProperty("merged_into").GetGuid());
        Assert.Empty(Texts(closed));
        Assert.Equal(["status", "merged_into"], Fields(closed).TakeLast(2));
        Assert.Equal(target, (await owner.Get($"/v1/projects/{projectId}/helpdesk/tickets?status=closed")).GetProperty("items")[0]
            .GetProperty("merged_into").GetGuid());

        var events = await _receiver.WaitFor(r => r.Any(e => e.Type == "ticket.merged") && r.Any(e => e.Type == "ticket.status_changed"));
        var announced = events.Single(e => e.Type == "ticket.merged").Data;
        Assert.Equal(source, announced.GetProperty("ticket").GetProperty("id").GetGuid());
        Assert.Equal(target, announced.GetProperty("ticket").GetProperty("merged_into").GetGuid());
        Assert.Equal(target, announced.GetProperty("into_ticket").GetProperty("id").GetGuid());

        var audit = Assert.Single((await owner.Get($"/v1/projects/{projectId}/audit?action=ticket.merged")).GetProperty("items").EnumerateArray());
        Assert.Equal(source.ToString(), audit.GetProperty("target_id").GetString());
        Assert.Equal(target, audit.GetProperty("details").GetProperty("into_ticket_id").GetGuid());

        // The merged ticket takes no more writes; the survivor does.
        await owner.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{source}/replies", new { text = "Hello?" }, HttpStatusCode.Conflict);
        await owner.Call(HttpMethod.Patch, $"/v1/helpdesk/tickets/{source}", new { status = "in_progress" }, HttpStatusCode.Conflict);
        await owner.Call(HttpMethod.Put, $"/v1/helpdesk/tickets/{source}/tags", new { tag_ids = Array.Empty<Guid>() }, HttpStatusCode.Conflict);
        await owner.Post($"/v1/helpdesk/tickets/{target}/replies", new { text = "Both sorted" });
        Assert.Equal("Both sorted", Texts(await owner.Get($"/v1/helpdesk/tickets/{target}")).Last());
    }

    [Fact]
    public async Task A_merge_is_refused_into_itself_across_customers_or_projects_and_for_merged_or_closed_tickets()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var a = (await owner.CreateTicket(projectId, "A", "crm-1")).GetProperty("id").GetGuid();
        var b = (await owner.CreateTicket(projectId, "B", "crm-1")).GetProperty("id").GetGuid();
        var c = (await owner.CreateTicket(projectId, "C", "crm-1")).GetProperty("id").GetGuid();
        var stranger = (await owner.CreateTicket(projectId, "D", "crm-2")).GetProperty("id").GetGuid();
        var elsewhere = (await owner.CreateTicket(await owner.CreateProject(), "E", "crm-1")).GetProperty("id").GetGuid();

        async Task<string?> Refused(Guid from, Guid? into, HttpStatusCode status) =>
            (await owner.Call(HttpMethod.Post, Merge(from), new { into_ticket_id = into }, status)).GetProperty("detail").GetString();

        Assert.Contains("itself", await Refused(a, a, HttpStatusCode.Conflict));
        Assert.Contains("same customer", await Refused(a, stranger, HttpStatusCode.UnprocessableEntity));
        Assert.Contains("does not exist", await Refused(a, elsewhere, HttpStatusCode.UnprocessableEntity));
        Assert.Contains("does not exist", await Refused(a, Guid.NewGuid(), HttpStatusCode.UnprocessableEntity));
        await owner.Call(HttpMethod.Post, Merge(a), new { }, HttpStatusCode.BadRequest);

        await owner.Post(Merge(b), new { into_ticket_id = a }, HttpStatusCode.OK);
        Assert.Contains("merged", await Refused(b, a, HttpStatusCode.Conflict));              // already merged
        Assert.Contains("merged into another", await Refused(c, b, HttpStatusCode.Conflict)); // into a merged one: no chains
        await owner.Patch($"/v1/helpdesk/tickets/{a}", new { status = "closed" });
        Assert.Contains("closed", await Refused(c, a, HttpStatusCode.Conflict));

        Assert.Single((await owner.Get($"/v1/projects/{projectId}/audit?action=ticket.merged")).GetProperty("items").EnumerateArray());
        Assert.Equal(["B"], Texts(await owner.Get($"/v1/helpdesk/tickets/{a}")).Skip(1));
    }

    [Fact]
    public async Task After_a_merge_the_customers_next_telegram_message_lands_in_the_surviving_ticket()
    {
        var agent = await cluster.Api(0).LogInAs();
        var projectId = await agent.CreateProject();
        var bot = cluster.Telegram.AddBot();
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        var secret = cluster.Telegram.WebhookOf(bot)!.SecretToken;
        var customer = TelegramCustomer.New("Olga", "Smirnova", "olga_s");
        Task Post(string update) => ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, update, secret));
        var tickets = $"/v1/projects/{projectId}/helpdesk/tickets";

        await Post(Updates.Text(customer, "The app crashes on login"));
        await Eventually(async () => await agent.TicketCount(projectId) == 1);
        await Post(Updates.Text(customer, "/new"));
        await Post(Updates.Text(customer, "And my subscription renewed twice"));
        await Eventually(async () => await agent.TicketCount(projectId) == 2);
        var items = (await agent.Get(tickets)).GetProperty("items");
        var (second, first) = (items[0].GetProperty("id").GetGuid(), items[1].GetProperty("id").GetGuid());

        // The chat follows ticket #2; it is merged into #1.
        await agent.Post(Merge(second), new { into_ticket_id = first }, HttpStatusCode.OK);
        await Post(Updates.Text(customer, "Any news?"));
        await Eventually(async () => Texts(await agent.Get($"/v1/helpdesk/tickets/{first}")).Contains("Any news?"));

        Assert.Equal(["The app crashes on login", "And my subscription renewed twice", "Any news?"],
            Texts(await agent.Get($"/v1/helpdesk/tickets/{first}")).Where(t => !t!.StartsWith('/')));
        Assert.Equal(2, await agent.TicketCount(projectId));
        Assert.Empty(Texts(await agent.Get($"/v1/helpdesk/tickets/{second}")));
    }

    [Fact]
    public async Task Replies_racing_a_merge_either_land_in_the_survivor_or_are_refused_none_is_lost()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var target = (await owner.CreateTicket(projectId, "First", "crm-1")).GetProperty("id").GetGuid();
        var source = (await owner.CreateTicket(projectId, "Second", "crm-1")).GetProperty("id").GetGuid();
        var other = cluster.Api(1).WithToken(owner.Token);

        var replies = Enumerable.Range(0, 12).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? owner : other).Send(HttpMethod.Post, $"/v1/helpdesk/tickets/{source}/replies", new { text = $"Reply {i}" });
            return (Text: $"Reply {i}", response.StatusCode);
        }).ToList();
        using var merge = await other.Send(HttpMethod.Post, Merge(source), new { into_ticket_id = target });
        var answers = await Task.WhenAll(replies);

        Assert.Equal(HttpStatusCode.OK, merge.StatusCode);
        Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var survivor = Texts(await owner.Get($"/v1/helpdesk/tickets/{target}")).ToList();
        Assert.Equal(answers.Where(a => a.StatusCode == HttpStatusCode.Created).Select(a => a.Text).Order(),
            survivor.Where(t => t!.StartsWith("Reply ", StringComparison.Ordinal)).Order());
        Assert.Equal(["First", "Second"], survivor.Take(2));
        Assert.Empty(Texts(await owner.Get($"/v1/helpdesk/tickets/{source}")));
    }

    [Fact]
    public async Task Two_tickets_merged_into_each_other_at_once_end_as_one_merge_and_a_conflict_never_a_fault()
    {
        var owner = await cluster.Api(0).LogInAs();
        var other = cluster.Api(1).WithToken(owner.Token);
        var projectId = await owner.CreateProject();
        var pairs = new List<(Guid A, Guid B)>();
        for (var i = 0; i < 8; i++)
            pairs.Add(((await owner.CreateTicket(projectId, $"A{i}", $"crm-{i}")).GetProperty("id").GetGuid(),
                       (await owner.CreateTicket(projectId, $"B{i}", $"crm-{i}")).GetProperty("id").GetGuid()));

        var answers = await Task.WhenAll(pairs.Select(async pair =>
        {
            var one = owner.Send(HttpMethod.Post, Merge(pair.A), new { into_ticket_id = pair.B });
            var two = other.Send(HttpMethod.Post, Merge(pair.B), new { into_ticket_id = pair.A });
            using var first = await one;
            using var second = await two;
            return (first.StatusCode, second.StatusCode);
        }));

        foreach (var (first, second) in answers)
        {
            // Both ways at once: one merge wins, the other is refused as a conflict (a deadlock between
            // them included, which PostgreSQL resolves by rolling one back) — never a 500, never both.
            Assert.All(new[] { first, second }, status => Assert.Contains(status, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
            Assert.Single(new[] { first, second }, status => status == HttpStatusCode.OK);
        }
    }
}
