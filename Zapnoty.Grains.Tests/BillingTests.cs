using System.Net;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>Credits: 100 free a month, then purchased ones; one per stored reply, exactly.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BillingTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_hundred_free_replies_then_402_then_bought_credits_with_notices_at_10_and_0()
    {
        var (owner, projectId, ticketId) = await ProjectWithTicket();
        await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(), events = new[] { "billing.low_credits", "billing.credits_exhausted" } });
        var fresh = await owner.Get($"/v1/projects/{projectId}/billing");
        Assert.Equal((100, 0), (fresh.GetProperty("free_credits_left").GetInt32(), fresh.GetProperty("purchased_credits").GetInt32()));
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM"), fresh.GetProperty("month").GetString());

        for (var i = 0; i < 100; i++)
            await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = $"Reply {i}" });
        var refused = await owner.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "One too many" }, HttpStatusCode.PaymentRequired);
        Assert.Contains("billing/checkout", refused.GetProperty("detail").GetString());
        Assert.Equal(101, (await owner.Get($"/v1/helpdesk/tickets/{ticketId}/messages?limit=200")).GetProperty("items").GetArrayLength());

        await cluster.BuyWithStripe(owner, projectId, "credits-10");
        Assert.Equal(10, (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("purchased_credits").GetInt32());
        for (var i = 0; i < 10; i++)
            await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = $"Paid reply {i}" });
        await owner.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Again too many" }, HttpStatusCode.PaymentRequired);

        // Balance 10 on the 90th free reply, 0 on the 100th; the purchase dips to 10 and 0 again
        // in the same month, but each notice goes out once a month.
        var notices = await _receiver.WaitFor(r => r.Count >= 2);
        await Task.Delay(1000);
        Assert.Equal(["billing.low_credits", "billing.credits_exhausted"], _receiver.Received.Select(r => r.Type));
        Assert.Equal(0, notices[1].Data.GetProperty("free_credits_left").GetInt32());
    }

    [Fact]
    public async Task Two_hundred_replies_racing_over_both_silos_with_150_credits_store_exactly_150_and_the_ledger_adds_up()
    {
        var (owner, projectId, _) = await ProjectWithTicket();
        await cluster.BuyWithStripe(owner, projectId, "credits-50");
        var tickets = new List<Guid>();
        for (var i = 0; i < 20; i++) tickets.Add((await owner.CreateTicket(projectId, $"Ticket {i}", $"c{i}")).GetProperty("id").GetGuid());

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await cluster.Api(i % 2).WithToken(owner.Token)
                .Send(HttpMethod.Post, $"/v1/helpdesk/tickets/{tickets[i % tickets.Count]}/replies", new { text = $"Reply {i}" });
            return response.StatusCode;
        }));
        Assert.Equal(150, results.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(50, results.Count(s => s == HttpStatusCode.PaymentRequired));

        await using var command = cluster.Database.CreateCommand("""
            SELECT (SELECT count(*) FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.project_id = $1 AND m.author = 'agent'),
                   (SELECT coalesce(sum(amount), 0) FROM credit_ledger WHERE project_id = $1 AND kind = 'reply'),
                   (SELECT count(*) FROM credit_ledger WHERE project_id = $1 AND kind = 'monthly_grant'),
                   (SELECT coalesce(sum(amount), 0) FROM credit_ledger WHERE project_id = $1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(150L, reader.GetInt64(0));
        Assert.Equal(-150L, reader.GetInt64(1));
        Assert.Equal(1L, reader.GetInt64(2));
        Assert.Equal(0L, reader.GetInt64(3));   // 100 granted + 50 bought - 150 spent
        var balance = await owner.Get($"/v1/projects/{projectId}/billing");
        Assert.Equal(0, balance.GetProperty("credits_left").GetInt32());
    }

    [Fact]
    public async Task A_new_month_brings_a_fresh_free_grant_once_and_purchased_credits_stay()
    {
        var (owner, projectId, ticketId) = await ProjectWithTicket();
        await cluster.BuyWithStripe(owner, projectId, "credits-10");
        await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Last month's reply" });

        // The month turns: the balance row still belongs to last month, with 1 free credit left.
        await using (var command = cluster.Database.CreateCommand(
            "UPDATE credit_balances SET month = (month - interval '1 month')::date, free_left = 1 WHERE project_id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = projectId });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        Assert.Equal(100, (await owner.Get($"/v1/projects/{projectId}/billing")).GetProperty("free_credits_left").GetInt32());

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => cluster.Api(i % 2).WithToken(owner.Token)
            .Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = $"New month {i}" }, HttpStatusCode.Created)));
        var balance = await owner.Get($"/v1/projects/{projectId}/billing");
        Assert.Equal((94, 10), (balance.GetProperty("free_credits_left").GetInt32(), balance.GetProperty("purchased_credits").GetInt32()));
        var grants = (await owner.Get($"/v1/projects/{projectId}/billing/ledger")).GetProperty("items").EnumerateArray()
            .Count(e => e.GetProperty("kind").GetString() == "monthly_grant");
        Assert.Equal(2, grants);
    }

    [Fact]
    public async Task A_reply_that_is_refused_or_rolled_back_costs_nothing()
    {
        var (owner, projectId, ticketId) = await ProjectWithTicket();
        await owner.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "" }, HttpStatusCode.BadRequest);
        await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Counted" });

        // Another writer moved the ticket on (another activation, as after a silo died): the
        // reply's transaction finds a stale version and rolls back; the grain reloads and sends
        // it once more, so the agent gets a 201 and pays for one reply, not two.
        await using (var command = cluster.Database.CreateCommand("UPDATE tickets SET version = version + 1 WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = ticketId });
            await command.ExecuteNonQueryAsync();
        }
        var resent = await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Rolled back, then sent" });

        var balance = await owner.Get($"/v1/projects/{projectId}/billing");
        Assert.Equal(98, balance.GetProperty("free_credits_left").GetInt32());
        var debits = (await owner.Get($"/v1/projects/{projectId}/billing/ledger")).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("kind").GetString() == "reply").ToList();
        Assert.Equal(2, debits.Count);
        Assert.All(debits, debit => Assert.Equal(ticketId, debit.GetProperty("ticket_id").GetGuid()));
        var messages = (await owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray().ToList();
        var sent = Assert.Single(messages, m => m.GetProperty("text").GetString() == "Rolled back, then sent");
        Assert.Equal(resent.GetProperty("id").GetGuid(), sent.GetProperty("id").GetGuid());
        Assert.Equal(
            messages.Where(m => m.GetProperty("author").GetString() == "agent").Select(m => m.GetProperty("id").GetGuid()).Order(),
            debits.Select(d => d.GetProperty("message_id").GetGuid()).Order());
    }

    private async Task<(ApiClient Owner, Guid ProjectId, Guid TicketId)> ProjectWithTicket()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        return (owner, projectId, ticketId);
    }
}
