using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Walks every route of the API with every kind of caller and checks the answer against the
/// role matrix of API.md. A new route must be added to <see cref="Routes"/>:
/// <see cref="Every_route_the_api_serves_is_in_the_matrix"/> fails until it is.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RoleMatrixTests(ClusterFixture cluster) : IAsyncLifetime
{
    /// <summary>
    /// The callers, the owner last: a route that changes the project succeeds for them last.
    /// Project API keys by scope: <c>tickets:read</c> (ReadKey), <c>tickets:write</c> (WriteKey),
    /// <c>tickets:write</c> + <c>admin</c> (ApiKey, what keys made before scopes became).
    /// </summary>
    public enum Who { Nobody, Outsider, Viewer, Support, Admin, ReadKey, WriteKey, ApiKey, Owner }

    /// <summary>Who a route is for: anyone, any signed-in person or key, or project members from a least role up.</summary>
    public enum Least { Public, Anyone, Viewer, Support, Admin, Owner }

    private sealed record Request(string Path, object? Body = null, string? Token = null);

    private sealed record Route(string Method, string Template, Least Least, Func<Team, Who, Task<Request>> Make,
        bool SessionOnly = false, bool FreshTeam = false, (Who Who, HttpStatusCode Status)? Except = null);

    private sealed record Team(Guid ProjectId, Guid TicketId, Guid AdminMemberId, string ApiKey, ApiClient Owner, string ReadKey, string WriteKey);

    private readonly Dictionary<Who, (ApiClient Client, string Email)> _people = [];

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.Start();
        foreach (var who in new[] { Who.Owner, Who.Admin, Who.Support, Who.Viewer, Who.Outsider })
        {
            var email = $"{who.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
            _people[who] = (await cluster.Api((int)who % 2).LogInAs(email), email);
        }
        await _people[Who.Outsider].Client.CreateProject();
    }

    public async Task DisposeAsync()
    {
        if (_receiver is not null) await _receiver.DisposeAsync();
    }

    private IReadOnlyList<Route> Routes =>
    [
        new("POST", "/v1/auth/login", Least.Public, (_, _) => Done(new Request("/v1/auth/login"))),
        new("POST", "/v1/auth/verify", Least.Public, (_, _) => Done(new Request("/v1/auth/verify"))),
        new("POST", "/v1/auth/logout", Least.Anyone, async (t, who) => new Request("/v1/auth/logout", Token: await DisposableToken(t, who)), SessionOnly: true),
        new("GET", "/v1/auth/sessions", Least.Anyone, (_, _) => Done(new Request("/v1/auth/sessions")), SessionOnly: true),
        new("DELETE", "/v1/auth/sessions/{sessionId}", Least.Anyone, async (t, who) => await DisposableSession(t, who), SessionOnly: true),
        new("POST", "/v1/auth/logout-everywhere", Least.Anyone, async (t, who) =>
            new Request("/v1/auth/logout-everywhere", Token: who is Who.Nobody or Who.ApiKey or Who.ReadKey or Who.WriteKey
                ? TokenOf(t, who) : (await cluster.Api().LogInAs()).Token), SessionOnly: true),
        new("GET", "/v1/auth/me", Least.Anyone, (_, _) => Done(new Request("/v1/auth/me")), SessionOnly: true),
        new("PATCH", "/v1/auth/me", Least.Anyone, (_, _) => Done(new Request("/v1/auth/me", new { name = "Matrix" })), SessionOnly: true),

        new("POST", "/v1/projects", Least.Anyone, (_, _) => Done(new Request("/v1/projects", new { name = "Matrix", slug = Unique("m") })), SessionOnly: true),
        new("GET", "/v1/projects", Least.Anyone, (_, _) => Done(new Request("/v1/projects")), SessionOnly: true),
        new("GET", "/v1/projects/{projectId}", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}"))),
        new("PATCH", "/v1/projects/{projectId}", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}", new { name = Unique("Renamed") }))),
        new("DELETE", "/v1/projects/{projectId}", Least.Owner, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}")), SessionOnly: true, FreshTeam: true),

        new("GET", "/v1/projects/{projectId}/api-keys", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/api-keys"))),
        new("POST", "/v1/projects/{projectId}/api-keys", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/api-keys", new { name = "ci" })),
            SessionOnly: true),
        new("DELETE", "/v1/projects/{projectId}/api-keys/{keyId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/api-keys/{await Fresh(t, "api-keys", new { name = "temporary" })}")),

        new("GET", "/v1/projects/{projectId}/helpdesk/settings", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/settings"))),
        new("PATCH", "/v1/projects/{projectId}/helpdesk/settings", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/settings", new { sla_first_reply_hours = 4 }))),
        new("GET", "/v1/projects/{projectId}/helpdesk/calendar", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/calendar"))),
        new("PUT", "/v1/projects/{projectId}/helpdesk/calendar", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/calendar",
            new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00", "18:00" } } } }))),
        new("GET", "/v1/projects/{projectId}/helpdesk/csat", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/csat"))),
        new("PUT", "/v1/projects/{projectId}/helpdesk/csat", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/csat", new { enabled = false }))),
        new("POST", "/v1/helpdesk/tickets/{ticketId}/csat", Least.Support, async (t, _) =>
            new Request($"/v1/helpdesk/tickets/{await SurveyedTicket(t)}/csat", new { score = 5 })),
        new("PUT", "/v1/projects/{projectId}/helpdesk/calendar/ical", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/calendar/ical",
            new { ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Matrix//EN\r\nBEGIN:VEVENT\r\nUID:h@m\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" }))),
        new("GET", "/v1/projects/{projectId}/helpdesk/rules", Least.Support, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/rules"))),
        new("POST", "/v1/projects/{projectId}/helpdesk/rules", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/rules", MatrixRule()))),
        new("PATCH", "/v1/projects/{projectId}/helpdesk/rules/{ruleId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/helpdesk/rules/{await Fresh(t, "helpdesk/rules", MatrixRule())}", new { enabled = false })),
        new("DELETE", "/v1/projects/{projectId}/helpdesk/rules/{ruleId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/helpdesk/rules/{await Fresh(t, "helpdesk/rules", MatrixRule())}")),
        new("GET", "/v1/projects/{projectId}/helpdesk/calendar/preview", Least.Viewer, async (t, _) =>
        {
            await t.Owner.Call(HttpMethod.Put, $"/v1/projects/{t.ProjectId}/helpdesk/calendar", new { time_zone = "Europe/Moscow", week = new { mon = new[] { new[] { "09:00", "18:00" } } } }, HttpStatusCode.OK);
            return new Request($"/v1/projects/{t.ProjectId}/helpdesk/calendar/preview?from=2027-01-08T14:55:00Z&minutes=60");
        }),
        new("GET", "/v1/projects/{projectId}/helpdesk/sla-policies", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/sla-policies"))),
        // An empty list: the matrix's other tickets keep the settings' targets.
        new("PUT", "/v1/projects/{projectId}/helpdesk/sla-policies", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/sla-policies", new { policies = Array.Empty<object>() }))),

        new("GET", "/v1/projects/{projectId}/helpdesk/ticket-types", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/ticket-types"))),
        new("POST", "/v1/projects/{projectId}/helpdesk/ticket-types", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/ticket-types", new { name = Unique("Type") }))),
        new("PATCH", "/v1/projects/{projectId}/helpdesk/ticket-types/{typeId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/helpdesk/ticket-types/{await Fresh(t, "helpdesk/ticket-types", new { name = Unique("Type") })}", new { name = Unique("Type") })),
        new("DELETE", "/v1/projects/{projectId}/helpdesk/ticket-types/{typeId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/helpdesk/ticket-types/{await Fresh(t, "helpdesk/ticket-types", new { name = Unique("Type") })}")),

        new("POST", "/v1/projects/{projectId}/helpdesk/tickets", Least.Support, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/tickets", new { text = "Where is my order?", customer = new { external_id = "c-1" } }))),
        new("GET", "/v1/projects/{projectId}/helpdesk/tickets", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/tickets"))),
        new("GET", "/v1/projects/{projectId}/helpdesk/tickets/counts", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/tickets/counts"))),
        new("GET", "/v1/helpdesk/tickets/{ticketId}", Least.Viewer, (t, _) => Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}"))),
        new("GET", "/v1/helpdesk/tickets/{ticketId}/messages", Least.Viewer, (t, _) => Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}/messages"))),
        new("PATCH", "/v1/helpdesk/tickets/{ticketId}", Least.Support, (t, _) => Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}", new { priority = "high" }))),
        new("POST", "/v1/helpdesk/tickets/{ticketId}/replies", Least.Support, (t, _) => Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}/replies", new { text = "On it" }))),
        new("POST", "/v1/helpdesk/tickets/{ticketId}/notes", Least.Support, (t, _) => Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}/notes", new { text = "Internal" }))),
        new("GET", "/v1/me/notifications", Least.Anyone, (_, _) => Done(new Request("/v1/me/notifications")), SessionOnly: true),
        new("POST", "/v1/me/notifications/read", Least.Anyone, (_, _) => Done(new Request("/v1/me/notifications/read", new { })), SessionOnly: true),
        new("GET", "/v1/projects/{projectId}/events", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/events"))),
        new("POST", "/v1/helpdesk/tickets/{ticketId}/presence", Least.Viewer, (t, _) =>
            Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}/presence", new { state = "viewing" })), SessionOnly: true),
        new("POST", "/v1/helpdesk/tickets/{ticketId}/customer-reply", Least.Support, (t, _) =>
            Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}/customer-reply", new { text = "Thanks" }))),

        new("GET", "/v1/helpdesk/tickets/{ticketId}/messages/{messageId}/attachments/{index}", Least.Viewer, async (t, _) =>
            new Request(await CustomerPhoto(t)), FreshTeam: true),

        new("GET", "/v1/projects/{projectId}/helpdesk/canned-replies", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/canned-replies"))),
        new("POST", "/v1/projects/{projectId}/helpdesk/canned-replies", Least.Support, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/canned-replies", CannedReply()))),
        new("PATCH", "/v1/projects/{projectId}/helpdesk/canned-replies/{cannedReplyId}", Least.Support, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/helpdesk/canned-replies/{await Fresh(t, "helpdesk/canned-replies", CannedReply())}", new { title = Unique("Reply") })),
        new("DELETE", "/v1/projects/{projectId}/helpdesk/canned-replies/{cannedReplyId}", Least.Support, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/helpdesk/canned-replies/{await Fresh(t, "helpdesk/canned-replies", CannedReply())}")),
        new("POST", "/v1/helpdesk/tickets/{ticketId}/canned-replies/{cannedReplyId}/render", Least.Support, async (t, _) =>
            new Request($"/v1/helpdesk/tickets/{t.TicketId}/canned-replies/{await Fresh(t, "helpdesk/canned-replies", CannedReply())}/render")),

        new("GET", "/v1/projects/{projectId}/reports/overview", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/reports/overview"))),
        new("GET", "/v1/projects/{projectId}/reports/volume", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/reports/volume?group_by=channel"))),
        new("GET", "/v1/projects/{projectId}/reports/agents", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/reports/agents"))),
        new("GET", "/v1/projects/{projectId}/reports/hours", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/reports/hours"))),
        new("GET", "/v1/projects/{projectId}/helpdesk/tickets/export", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/tickets/export"))),
        new("GET", "/v1/projects/{projectId}/tags", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/tags"))),
        new("POST", "/v1/projects/{projectId}/tags", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/tags", new { name = Unique("Tag") }))),
        new("PATCH", "/v1/projects/{projectId}/tags/{tagId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/tags/{await Fresh(t, "tags", new { name = Unique("Tag") })}", new { name = Unique("Tag") })),
        new("DELETE", "/v1/projects/{projectId}/tags/{tagId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/tags/{await Fresh(t, "tags", new { name = Unique("Tag") })}")),
        new("PUT", "/v1/helpdesk/tickets/{ticketId}/tags", Least.Support, (t, _) =>
            Done(new Request($"/v1/helpdesk/tickets/{t.TicketId}/tags", new { tag_ids = Array.Empty<Guid>() }))),
        new("GET", "/v1/projects/{projectId}/customers", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/customers"))),
        new("GET", "/v1/projects/{projectId}/customers/{customerId}", Least.Viewer, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/customers/{await CustomerOf(t)}")),
        new("PATCH", "/v1/projects/{projectId}/customers/{customerId}", Least.Support, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/customers/{await CustomerOf(t)}", new { notes = "Prefers email" })),
        new("POST", "/v1/helpdesk/tickets/{ticketId}/merge", Least.Support, async (t, _) => await MergeablePair(t)),

        new("GET", "/v1/projects/{projectId}/helpdesk/assignment", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/assignment"))),
        new("PUT", "/v1/projects/{projectId}/helpdesk/assignment", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/helpdesk/assignment", new { mode = "off", max_open_per_agent = 5 }))),
        new("PUT", "/v1/projects/{projectId}/members/me/availability", Least.Support, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/members/me/availability", new { available = true })), SessionOnly: true),
        new("GET", "/v1/projects/{projectId}/members", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/members"))),
        new("POST", "/v1/projects/{projectId}/members", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/members", new { email = Unique("invitee") + "@example.com", role = "viewer" })), FreshTeam: true),
        // Fresh teams: a project may invite only 20 people an hour, and these three invite one per caller.
        new("PATCH", "/v1/projects/{projectId}/members/{memberId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/members/{await FreshMember(t)}", new { role = "support" }), FreshTeam: true),
        new("DELETE", "/v1/projects/{projectId}/members/{memberId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/members/{await FreshMember(t)}"), FreshTeam: true),
        new("POST", "/v1/projects/{projectId}/leave", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/leave")),
            SessionOnly: true, FreshTeam: true, Except: (Who.Owner, HttpStatusCode.Conflict)),
        new("POST", "/v1/projects/{projectId}/ownership-transfer", Least.Owner, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/ownership-transfer", new { to_member_id = t.AdminMemberId })), SessionOnly: true),
        new("POST", "/v1/projects/{projectId}/ownership-transfer/confirm", Least.Owner, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/ownership-transfer/confirm", new { code = await TransferCode(t) }), SessionOnly: true, FreshTeam: true),

        new("GET", "/v1/projects/{projectId}/audit", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/audit"))),

        new("GET", "/v1/projects/{projectId}/billing", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/billing"))),
        new("GET", "/v1/projects/{projectId}/billing/ledger", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/billing/ledger"))),
        new("GET", "/v1/projects/{projectId}/billing/packs", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/billing/packs"))),
        new("POST", "/v1/projects/{projectId}/billing/checkout", Least.Owner, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/billing/checkout", new { pack_id = "credits-10" })), SessionOnly: true),
        new("GET", "/v1/projects/{projectId}/billing/payments/{paymentId}", Least.Viewer, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/billing/payments/{await Fresh(t, "billing/checkout", new { pack_id = "credits-10" }, "payment_id")}")),
        new("POST", "/v1/payments/stripe/webhook", Least.Public, (_, _) => Done(new Request("/v1/payments/stripe/webhook"))),
        new("POST", "/v1/payments/yookassa/webhook", Least.Public, (_, _) => Done(new Request("/v1/payments/yookassa/webhook"))),

        new("POST", "/v1/channels/telegram/{botId}/webhook", Least.Public, (_, _) => Done(new Request("/v1/channels/telegram/1/webhook"))),
        new("GET", "/v1/projects/{projectId}/channels", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/channels"))),
        new("PUT", "/v1/projects/{projectId}/channels/telegram", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/channels/telegram", new { bot_token = cluster.Telegram.AddBot().Token }))),
        new("DELETE", "/v1/projects/{projectId}/channels/telegram", Least.Admin, async (t, _) =>
        {
            await t.Owner.Call(HttpMethod.Put, $"/v1/projects/{t.ProjectId}/channels/telegram", new { bot_token = cluster.Telegram.AddBot().Token },
                System.Net.HttpStatusCode.OK);
            return new Request($"/v1/projects/{t.ProjectId}/channels/telegram");
        }),
        new("POST", "/v1/channels/max/{botId}/webhook", Least.Public, (_, _) => Done(new Request("/v1/channels/max/1/webhook"))),
        new("PUT", "/v1/projects/{projectId}/channels/max", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/channels/max", new { access_token = cluster.Max.AddBot().Token }))),
        new("DELETE", "/v1/projects/{projectId}/channels/max", Least.Admin, async (t, _) =>
        {
            await t.Owner.Call(HttpMethod.Put, $"/v1/projects/{t.ProjectId}/channels/max", new { access_token = cluster.Max.AddBot().Token },
                System.Net.HttpStatusCode.OK);
            return new Request($"/v1/projects/{t.ProjectId}/channels/max");
        }),
        new("GET", "/v1/projects/{projectId}/channels/telegram/staff-group", Least.Viewer, async (t, _) =>
        {
            await StaffGroupOf(t);
            return new Request($"/v1/projects/{t.ProjectId}/channels/telegram/staff-group");
        }),
        new("PUT", "/v1/projects/{projectId}/channels/telegram/staff-group", Least.Admin, async (t, who) =>
            new Request($"/v1/projects/{t.ProjectId}/channels/telegram/staff-group",
                new { code = who is Who.Owner or Who.Admin ? await SentLinkCode(t, _people[who].Client) : "NOTSENTCODE" }),
            SessionOnly: true, FreshTeam: true),
        new("DELETE", "/v1/projects/{projectId}/channels/telegram/staff-group", Least.Admin, async (t, _) =>
        {
            await t.Owner.Call(HttpMethod.Put, $"/v1/projects/{t.ProjectId}/channels/telegram/staff-group", new { code = await SentLinkCode(t, t.Owner) },
                HttpStatusCode.OK);
            return new Request($"/v1/projects/{t.ProjectId}/channels/telegram/staff-group");
        }, FreshTeam: true),
        new("POST", "/v1/me/telegram-link", Least.Anyone, (_, _) => Done(new Request("/v1/me/telegram-link", new { })), SessionOnly: true),
        new("GET", "/v1/projects/{projectId}/channels/texts", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/channels/texts"))),
        new("PATCH", "/v1/projects/{projectId}/channels/texts", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/channels/texts", new { greeting = "Hello from {project}!" }))),
        new("GET", "/v1/projects/{projectId}/channels/texts/{lang}", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/channels/texts/ru"))),
        new("PUT", "/v1/projects/{projectId}/channels/texts/{lang}", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/channels/texts/ru", new { texts = new { greeting = "Привет от {project}!" } }))),
        new("GET", "/v1/projects/{projectId}/channels/settings", Least.Viewer, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/channels/settings"))),
        new("PUT", "/v1/projects/{projectId}/channels/settings", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/channels/settings", new { default_language = "ru" }))),

        new("GET", "/v1/projects/{projectId}/webhooks", Least.Admin, (t, _) => Done(new Request($"/v1/projects/{t.ProjectId}/webhooks"))),
        new("POST", "/v1/projects/{projectId}/webhooks", Least.Admin, (t, _) =>
            Done(new Request($"/v1/projects/{t.ProjectId}/webhooks", new { url = _receiver!.Url(), events = new[] { "ticket.created" } })), FreshTeam: true),
        new("GET", "/v1/projects/{projectId}/webhooks/{webhookId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/webhooks/{await FreshWebhook(t)}"), FreshTeam: true),
        new("PATCH", "/v1/projects/{projectId}/webhooks/{webhookId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/webhooks/{await FreshWebhook(t)}", new { events = new[] { "ticket.replied" } }), FreshTeam: true),
        new("DELETE", "/v1/projects/{projectId}/webhooks/{webhookId}", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/webhooks/{await FreshWebhook(t)}"), FreshTeam: true),
        new("POST", "/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/webhooks/{await FreshWebhook(t)}/rotate-secret"), FreshTeam: true),
        new("GET", "/v1/projects/{projectId}/webhooks/{webhookId}/deliveries", Least.Admin, async (t, _) =>
            new Request($"/v1/projects/{t.ProjectId}/webhooks/{await FreshWebhook(t)}/deliveries"), FreshTeam: true),
        new("POST", "/v1/projects/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}/retry", Least.Admin, async (t, _) =>
            new Request(await FinishedDelivery(t) + "/retry"), FreshTeam: true),
    ];

    private WebhookReceiver? _receiver;
    private readonly Dictionary<Guid, string> _photos = [];

    /// <summary>
    /// The path of a photo a Telegram customer sent to the team's project (made once per team; a fresh
    /// team, whose project has no ticket types yet, so the photo opens a ticket at once).
    /// </summary>
    private async Task<string> CustomerPhoto(Team team)
    {
        if (_photos.TryGetValue(team.ProjectId, out var known)) return known;
        var bot = cluster.Telegram.AddBot();
        await team.Owner.Call(HttpMethod.Put, $"/v1/projects/{team.ProjectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
        cluster.Telegram.AddFile(bot, "matrix-photo", TestFiles.RedSquarePng, "photos/file_1.jpg");
        var customer = TelegramCustomer.New();
        await Dashboard.SupportDesk.PostUpdate(cluster, bot, TelegramUpdateBuilder.Photo(customer, fileId: "matrix-photo"));
        var tickets = $"/v1/projects/{team.ProjectId}/helpdesk/tickets?customer_external_id={customer.Id}";
        await Poll.Eventually(async () => (await team.Owner.Get(tickets)).GetProperty("items").GetArrayLength() == 1);
        var ticketId = (await team.Owner.Get(tickets)).GetProperty("items")[0].GetProperty("id").GetGuid();
        var messageId = (await team.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages")[0].GetProperty("id").GetGuid();
        return _photos[team.ProjectId] = $"/v1/helpdesk/tickets/{ticketId}/messages/{messageId}/attachments/0";
    }

    private readonly Dictionary<Guid, FakeBot> _staffBots = [];

    /// <summary>
    /// A link code of <paramref name="person"/>, sent by a group's creator as <c>/link</c> in a forum
    /// group of the team's bot (connected once per team), ready for PUT staff-group.
    /// </summary>
    private async Task<string> SentLinkCode(Team team, ApiClient person)
    {
        if (!_staffBots.TryGetValue(team.ProjectId, out var bot))
        {
            bot = cluster.Telegram.AddBot();
            await team.Owner.Call(HttpMethod.Put, $"/v1/projects/{team.ProjectId}/channels/telegram", new { bot_token = bot.Token }, HttpStatusCode.OK);
            _staffBots[team.ProjectId] = bot;
        }
        var code = (await person.Post("/v1/me/telegram-link", new { }, HttpStatusCode.OK)).GetProperty("code").GetString()!;
        var group = TelegramGroup.New();
        var creator = TelegramCustomer.New();
        cluster.Telegram.SetMemberStatus(group.Id, creator.Id, "creator");
        await Dashboard.SupportDesk.PostUpdate(cluster, bot, StaffGroupUpdates.Text(creator, group, null, $"/link {code}"));
        await cluster.Telegram.WaitForSent(s => s.Any(m => m.ChatId == group.Id));
        return code;
    }

    private readonly HashSet<Guid> _staffGroups = [];

    /// <summary>The team's project with a staff group linked (once per team).</summary>
    private async Task StaffGroupOf(Team team)
    {
        if (!_staffGroups.Add(team.ProjectId)) return;
        _staffBots.Remove(team.ProjectId);   // another route may have replaced the team's bot since
        await team.Owner.Call(HttpMethod.Put, $"/v1/projects/{team.ProjectId}/channels/telegram/staff-group", new { code = await SentLinkCode(team, team.Owner) },
            HttpStatusCode.OK);
    }

    private async Task<Guid> FreshWebhook(Team team) =>
        await Fresh(team, "webhooks", new { url = _receiver!.Url(), events = new[] { "ticket.created" } });

    /// <summary>A delivery that has been made, on an endpoint of its own: the path of the delivery.</summary>
    private async Task<string> FinishedDelivery(Team team)
    {
        var webhookId = await FreshWebhook(team);
        await team.Owner.CreateTicket(team.ProjectId);
        var deliveries = $"/v1/projects/{team.ProjectId}/webhooks/{webhookId}/deliveries";
        for (var i = 0; i < 200; i++)
        {
            var items = (await team.Owner.Get(deliveries)).GetProperty("items").EnumerateArray().ToList();
            if (items.FirstOrDefault(d => d.GetProperty("status").GetString() == "delivered") is { ValueKind: System.Text.Json.JsonValueKind.Object } done)
                return $"{deliveries}/{done.GetProperty("id").GetGuid()}";
            await Task.Delay(50);
        }
        throw new TimeoutException("The delivery was not made in 10 s.");
    }

    [Fact]
    public async Task Every_route_answers_every_caller_as_the_role_matrix_says()
    {
        var shared = await NewTeam();
        var failures = new List<string>();
        foreach (var route in Routes.Where(r => r.Least != Least.Public))
        {
            var team = route.FreshTeam ? await NewTeam() : shared;
            foreach (var who in Enum.GetValues<Who>())
            {
                var request = await route.Make(team, who);
                var client = cluster.Api((int)who % 2).WithToken(request.Token ?? TokenOf(team, who));
                using var response = await client.Send(new HttpMethod(route.Method), request.Path, request.Body);
                var expected = Expected(route, who);
                var status = response.StatusCode;
                // An event stream that opened never ends by itself: its status is the answer.
                var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync();
                if (expected is null ? (int)status is < 200 or > 299 : status != expected)
                    failures.Add($"{route.Method} {route.Template} as {who}: expected {(expected is { } e ? (int)e : "2xx")}, got {(int)status} {body}");
                else if (expected is not null && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    failures.Add($"{route.Method} {route.Template} as {who}: {(int)status} without problem details");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Every_route_the_api_serves_is_in_the_matrix()
    {
        var served = cluster.ApiRoutes().Select(r => $"{r.Method} {Unconstrained(r.Route)}").ToHashSet();
        var listed = Routes.Select(r => $"{r.Method} {r.Template}").ToHashSet();
        Assert.Empty(served.Except(listed));
        Assert.Empty(listed.Except(served));
    }

    /// <summary>
    /// Access is decided by <c>{projectId}</c> when a route has it, and only otherwise through
    /// <c>{ticketId}</c>: a route with both would let a member of one project reach another
    /// project's ticket by naming their own project. Ticket routes live under /v1/helpdesk/tickets.
    /// </summary>
    [Fact]
    public void No_route_names_both_a_project_and_a_ticket()
    {
        var both = cluster.ApiRoutes().Select(r => (r.Method, Route: Unconstrained(r.Route)))
            .Where(r => r.Route.Contains("{projectId}", StringComparison.Ordinal) && r.Route.Contains("{ticketId}", StringComparison.Ordinal))
            .Select(r => $"{r.Method} {r.Route}");
        Assert.Empty(both);
    }

    /// <summary>
    /// A malformed id is refused by routing (404), never handed to a handler or the access check:
    /// every id parameter carries its type's route constraint (<c>{projectId:guid}</c>). Bot ids are
    /// the messengers' own strings.
    /// </summary>
    [Fact]
    public void Every_id_in_a_route_is_constrained_to_its_type()
    {
        var loose = cluster.ApiRoutes()
            .SelectMany(r => System.Text.RegularExpressions.Regex.Matches(r.Route, @"\{(\w+)\}").Select(m => (r.Method, r.Route, Name: m.Groups[1].Value)))
            .Where(p => p.Name != "botId")
            .Select(p => $"{p.Method} {p.Route}: {{{p.Name}}}");
        Assert.Empty(loose);
    }

    /// <summary>The route as the matrix names it: <c>{projectId:guid}</c> is <c>{projectId}</c>.</summary>
    private static string Unconstrained(string route) => System.Text.RegularExpressions.Regex.Replace(route, @"\{(\w+):[^}]+\}", "{$1}");

    /// <summary>The status a caller must get; null for success (any 2xx).</summary>
    private static HttpStatusCode? Expected(Route route, Who who)
    {
        if (route.Except is { } except && except.Who == who) return except.Status;
        if (who == Who.Nobody) return HttpStatusCode.Unauthorized;
        if (IsKey(who) && route.SessionOnly) return HttpStatusCode.Forbidden;
        if (route.Least == Least.Anyone) return null;
        if (who == Who.Outsider) return HttpStatusCode.NotFound;
        var role = who switch
        {
            Who.ApiKey => Least.Admin,
            Who.WriteKey => Least.Support,
            Who.ReadKey => Least.Viewer,
            _ => Enum.Parse<Least>(who.ToString()),
        };
        return role >= route.Least ? null : HttpStatusCode.Forbidden;
    }

    private async Task<Team> NewTeam()
    {
        var owner = _people[Who.Owner].Client;
        var projectId = await owner.CreateProject();
        var adminMember = (await owner.Post($"/v1/projects/{projectId}/members", new { email = _people[Who.Admin].Email, role = "admin" })).GetProperty("id").GetGuid();
        var key = await NewKey(owner, projectId, "tickets:write", "admin");
        // The admin key invites the rest: a person may invite only 30 people an hour, and the matrix makes many teams.
        foreach (var who in new[] { Who.Support, Who.Viewer })
            await owner.WithToken(key).Post($"/v1/projects/{projectId}/members", new { email = _people[who].Email, role = who.ToString().ToLowerInvariant() });
        var ticketId = (await owner.CreateTicket(projectId)).GetProperty("id").GetGuid();
        return new Team(projectId, ticketId, adminMember, key, owner, await NewKey(owner, projectId, "tickets:read"), await NewKey(owner, projectId, "tickets:write"));
    }

    private static async Task<string> NewKey(ApiClient owner, Guid projectId, params string[] scopes) =>
        (await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "matrix", scopes })).GetProperty("key").GetString()!;

    private static bool IsKey(Who who) => who is Who.ApiKey or Who.ReadKey or Who.WriteKey;

    /// <summary>A session made for ending it (of a person of its own: any person may end their own), with its token.</summary>
    private async Task<Request> DisposableSession(Team team, Who who)
    {
        if (who == Who.Nobody || IsKey(who)) return new Request($"/v1/auth/sessions/{Guid.NewGuid()}", Token: TokenOf(team, who));
        var token = (await cluster.Api().LogInAs()).Token;
        var sessions = (await cluster.Api().WithToken(token).Get("/v1/auth/sessions")).GetProperty("items").EnumerateArray();
        var current = sessions.Single(s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
        return new Request($"/v1/auth/sessions/{current}", Token: token);
    }

    private string? TokenOf(Team team, Who who) => who switch
    {
        Who.Nobody => null,
        Who.ApiKey => team.ApiKey,
        Who.ReadKey => team.ReadKey,
        Who.WriteKey => team.WriteKey,
        _ => _people[who].Client.Token,
    };

    /// <summary>A second session of the same person, so logging it out leaves the matrix's sessions alive.</summary>
    private async Task<string?> DisposableToken(Team team, Who who) => who switch
    {
        Who.Nobody or Who.ApiKey or Who.ReadKey or Who.WriteKey => TokenOf(team, who),
        _ => (await cluster.Api().LogInAs(_people[who].Email)).Token,
    };

    /// <summary>A warning rule far from any ticket's due time: it only has to be stored.</summary>
    private static object MatrixRule() =>
        new { name = Unique("Rule"), enabled = false, trigger = new { type = "sla_warning", target = "first_reply", minutes_before = 5 }, actions = Array.Empty<object>() };

    private static async Task<Guid> Fresh(Team team, string collection, object body, string idField = "id") =>
        (await team.Owner.Post($"/v1/projects/{team.ProjectId}/{collection}", body)).GetProperty(idField).GetGuid();

    /// <summary>A website ticket of the team, closed with the CSAT survey on: ready to be rated once.</summary>
    private static async Task<Guid> SurveyedTicket(Team team)
    {
        await team.Owner.Call(HttpMethod.Put, $"/v1/projects/{team.ProjectId}/helpdesk/csat", new { enabled = true }, HttpStatusCode.OK);
        var ticketId = (await team.Owner.CreateTicket(team.ProjectId)).GetProperty("id").GetGuid();
        await team.Owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        return ticketId;
    }

    /// <summary>The customer of the team's ticket.</summary>
    private static async Task<Guid> CustomerOf(Team team) =>
        (await team.Owner.Get($"/v1/helpdesk/tickets/{team.TicketId}")).GetProperty("customer").GetProperty("id").GetGuid();

    /// <summary>Two fresh tickets of one customer, the first to merge into the second (a merge is done once).</summary>
    private static async Task<Request> MergeablePair(Team team)
    {
        var customer = Unique("merge");
        var source = (await team.Owner.CreateTicket(team.ProjectId, externalId: customer)).GetProperty("id").GetGuid();
        var target = (await team.Owner.CreateTicket(team.ProjectId, externalId: customer)).GetProperty("id").GetGuid();
        return new Request($"/v1/helpdesk/tickets/{source}/merge", new { into_ticket_id = target });
    }

    private static object CannedReply() => new { title = Unique("Reply"), text = "Hello {{customer.first_name|there}}, {{agent.name}} here." };

    /// <summary>Invited with the team's admin key, which counts against the project's invitations only, not a person's.</summary>
    private static async Task<Guid> FreshMember(Team team) =>
        (await team.Owner.WithToken(team.ApiKey).Post($"/v1/projects/{team.ProjectId}/members",
            new { email = Unique("member") + "@example.com", role = "viewer" })).GetProperty("id").GetGuid();

    /// <summary>
    /// Asks for a transfer code as the owner and reads it from their mailbox, once per team: only
    /// the owner's confirm uses it, and a project gets 3 codes an hour.
    /// </summary>
    private async Task<string> TransferCode(Team team)
    {
        if (_transferCodes.TryGetValue(team.ProjectId, out var known)) return known;
        return _transferCodes[team.ProjectId] = await NewTransferCode(team);
    }

    private readonly Dictionary<Guid, string> _transferCodes = [];

    private async Task<string> NewTransferCode(Team team)
    {
        var email = _people[Who.Owner].Email;
        var before = cluster.Smtp.CountTo(email);
        await team.Owner.Post($"/v1/projects/{team.ProjectId}/ownership-transfer", new { to_member_id = team.AdminMemberId }, HttpStatusCode.Accepted);
        return await cluster.Smtp.WaitForCode(email, before);
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 40)].ToLowerInvariant();

    private static Task<Request> Done(Request request) => Task.FromResult(request);
}
