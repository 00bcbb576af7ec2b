using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;
using Updates = Zapnoty.Grains.Tests.Infrastructure.TelegramUpdateBuilder;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>A project set up through the API as a team would have it, for the dashboard to show.</summary>
public sealed record SupportDesk(ApiClient Owner, Guid ProjectId, string Slug)
{
    /// <summary>A new project; <paramref name="ownerName"/> names its owner (the header and the conversation show it).</summary>
    public static async Task<SupportDesk> Open(ClusterFixture cluster, string name = "Acme Support", string? ownerEmail = null, string? ownerName = null)
    {
        var owner = await cluster.Api().LogInAs(ownerEmail ?? $"owner-{Guid.NewGuid():N}@example.com");
        if (ownerName is not null) await owner.Patch("/v1/auth/me", new { name = ownerName });
        var projectId = await owner.CreateProject(name);
        var slug = await owner.ProjectSlug(projectId);
        return new SupportDesk(owner, projectId, slug);
    }

    /// <summary>A website customer's ticket, opened through the API; <paramref name="extra"/> adds fields such as priority.</summary>
    public async Task<(Guid Id, long Number)> ApiTicket(string text, string customer = "Ivan Petrov", object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["text"] = text, ["customer"] = new { external_id = $"c-{Guid.NewGuid():N}", name = customer } };
        if (extra is not null)
            foreach (var property in extra.GetType().GetProperties()) body[property.Name] = property.GetValue(extra);
        var ticket = await Owner.Post($"/v1/projects/{ProjectId}/helpdesk/tickets", body);
        return (ticket.GetProperty("id").GetGuid(), ticket.GetProperty("number").GetInt64());
    }

    /// <summary>A member with <paramref name="role"/>, logged in through the emailed code.</summary>
    public async Task<ApiClient> Member(ClusterFixture cluster, string role)
    {
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        await Owner.Post($"/v1/projects/{ProjectId}/members", new { email, role });
        return await cluster.Api().LogInAs(email);
    }

    /// <summary>A teammate with <paramref name="role"/> and a display name, as the README's pictures show people.</summary>
    public async Task<ApiClient> Teammate(ClusterFixture cluster, string name, string role = "support")
    {
        var teammate = await Member(cluster, role);
        await teammate.Patch("/v1/auth/me", new { name });
        return teammate;
    }

    /// <summary>A tag of the project; answers its id.</summary>
    public async Task<Guid> Tag(string name, string color) =>
        (await Owner.Post($"/v1/projects/{ProjectId}/tags", new { name, color })).GetProperty("id").GetGuid();

    public Task CannedReply(string title, string text) =>
        Owner.Post($"/v1/projects/{ProjectId}/helpdesk/canned-replies", new { title, text });

    /// <summary>Connects a fake Telegram bot; a customer opens the deep link and writes <paramref name="text"/>: a ticket.</summary>
    public async Task<(FakeBot Bot, TelegramCustomer Customer, Guid TicketId, long Number)> TelegramTicket(ClusterFixture cluster, string text, TelegramCustomer customer)
    {
        var bot = cluster.Telegram.AddBot();
        await Owner.Call(HttpMethod.Put, $"/v1/projects/{ProjectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        await PostUpdate(cluster, bot, Updates.Start(customer, $"help_{Slug}"));
        await PostUpdate(cluster, bot, Updates.Text(customer, text));
        var path = $"/v1/projects/{ProjectId}/helpdesk/tickets?customer_external_id={customer.Id}";
        await Poll.Eventually(async () => (await Owner.Get(path)).GetProperty("items").GetArrayLength() == 1);
        var ticket = (await Owner.Get(path)).GetProperty("items")[0];
        return (bot, customer, ticket.GetProperty("id").GetGuid(), ticket.GetProperty("number").GetInt64());
    }

    /// <summary>Posts a Telegram update to the bot's webhook route, as Telegram would.</summary>
    public static Task PostUpdate(ClusterFixture cluster, FakeBot bot, string update) =>
        ChannelWebhook.Accepted(ChannelWebhook.Telegram(cluster.Silos[0], bot, update, cluster.Telegram.WebhookOf(bot)!.SecretToken));

    /// <summary>Makes a ticket whose first reply is already overdue; tickets created afterwards have no SLA.</summary>
    public async Task<(Guid Id, long Number)> OverdueTicket(string text)
    {
        await Owner.Patch($"/v1/projects/{ProjectId}/helpdesk/settings", new { sla_first_reply_hours = 0.0002 });   // 0.72 s
        var ticket = await ApiTicket(text);
        await Owner.Patch($"/v1/projects/{ProjectId}/helpdesk/settings", new { sla_first_reply_hours = (double?)null });
        await Poll.Eventually(async () =>
            (await Owner.Get($"/v1/helpdesk/tickets/{ticket.Id}")).GetProperty("sla").GetProperty("first_reply_overdue").GetBoolean());
        return ticket;
    }
}
