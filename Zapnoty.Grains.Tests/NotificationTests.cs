using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Notifications;
using Zapnoty.Grains.Tests.Dashboard;
using Zapnoty.Grains.Tests.Infrastructure;
using static Zapnoty.Grains.Tests.Infrastructure.Poll;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// @mentions in notes and assignments notify people: the bell (<c>/v1/me/notifications</c>) for
/// everyone, an email only for those away from the dashboard, at most one per few minutes.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NotificationTests(ClusterFixture cluster)
{
    private const string Bell = "/v1/me/notifications";

    private sealed record Person(ApiClient Api, Guid Id, string Email);

    [Fact]
    public async Task A_mention_notifies_the_member_in_the_bell_and_by_email_when_they_are_away()
    {
        var desk = await SupportDesk.Open(cluster, "Mention Desk");
        var anna = await Join(desk, "support", "Anna Karenina");
        await Away(anna);
        var (ticketId, number) = await desk.ApiTicket("The parcel is damaged");
        var before = cluster.Smtp.CountTo(anna.Email);

        var note = await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/notes", new { text = "@anna can you check the photos? Card 4111 1111 1111 1111" });

        var mail = await MailTo(anna.Email, before);
        Assert.Contains($"ticket #{number}", mail.Data);
        Assert.Contains("\"Mention Desk\"", mail.Data);
        Assert.Contains($"/#/p/{desk.ProjectId}/tickets/{ticketId}", mail.Data);
        // The email carries no text of the note (nor of the customer): it could hold anything.
        Assert.DoesNotContain("4111", mail.Data);
        Assert.DoesNotContain("photos", mail.Data);
        Assert.DoesNotContain("parcel", mail.Data);

        var bell = await anna.Api.Get(Bell);
        Assert.Equal(1, bell.GetProperty("unread_count").GetInt32());
        var item = bell.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("mention", item.GetProperty("kind").GetString());
        Assert.Equal(ticketId, item.GetProperty("ticket_id").GetGuid());
        Assert.Equal(number, item.GetProperty("ticket_number").GetInt64());
        Assert.Equal(note.GetProperty("id").GetGuid(), item.GetProperty("message_id").GetGuid());
        Assert.StartsWith("@anna can you check", item.GetProperty("excerpt").GetString());
        Assert.Equal("Mention Desk", item.GetProperty("project_name").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("read_at").ValueKind);
        // The author is never told about their own note.
        Assert.Equal(0, (await desk.Owner.Get(Bell)).GetProperty("unread_count").GetInt32());
    }

    [Fact]
    public async Task A_member_active_in_the_dashboard_gets_the_bell_but_no_email()
    {
        var desk = await SupportDesk.Open(cluster);
        var active = await Join(desk, "support", "Boris Active");
        var away = await Join(desk, "support", "Vera Away");
        await Away(away);
        var (ticketId, _) = await desk.ApiTicket("Question");
        var (activeBefore, awayBefore) = (cluster.Smtp.CountTo(active.Email), cluster.Smtp.CountTo(away.Email));

        await active.Api.Get(Bell);   // what the dashboard does every 30 s while it is open
        await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/notes", new { text = $"@{active.Email} and @\"Vera Away\": please look" });

        await MailTo(away.Email, awayBefore);
        await Task.Delay(1000);   // both were handled together; give the active one's grain its moment too
        Assert.Equal(activeBefore, cluster.Smtp.CountTo(active.Email));
        Assert.Equal(1, (await active.Api.Get(Bell)).GetProperty("unread_count").GetInt32());
    }

    [Fact]
    public async Task A_storm_of_mentions_sends_one_email_and_every_notification_to_the_bell()
    {
        var desk = await SupportDesk.Open(cluster);
        var anna = await Join(desk, "support", "Anna Storm");
        await Away(anna);
        var (ticketId, _) = await desk.ApiTicket("Question");
        var before = cluster.Smtp.CountTo(anna.Email);

        for (var i = 0; i < 5; i++)
            await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/notes", new { text = $"@AnnaStorm update {i}" });

        await MailTo(anna.Email, before);
        await Task.Delay(1500);
        Assert.Equal(before + 1, cluster.Smtp.CountTo(anna.Email));
        Assert.Equal(5, (await anna.Api.Get(Bell)).GetProperty("unread_count").GetInt32());
    }

    [Fact]
    public async Task Assigning_a_ticket_to_someone_else_notifies_them_and_assigning_yourself_does_not()
    {
        var desk = await SupportDesk.Open(cluster);
        var owner = await Me(desk.Owner);
        var boris = await Join(desk, "support", "Boris Assignee");
        var (ticketId, number) = await desk.ApiTicket("Question");

        await desk.Owner.Patch($"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = boris.Id });
        await boris.Api.Patch($"/v1/helpdesk/tickets/{ticketId}", new { assignee_id = boris.Id });   // no change: nothing new
        var (other, _) = await desk.ApiTicket("Another question");
        await boris.Api.Patch($"/v1/helpdesk/tickets/{other}", new { assignee_id = boris.Id });      // himself: nothing

        var bell = await boris.Api.Get(Bell);
        var item = bell.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("assigned", item.GetProperty("kind").GetString());
        Assert.Equal(number, item.GetProperty("ticket_number").GetInt64());
        Assert.Equal(owner.Id.ToString(), item.GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal(owner.Email, item.GetProperty("actor_name").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("message_id").ValueKind);
        Assert.Equal(1, bell.GetProperty("unread_count").GetInt32());
    }

    [Fact]
    public async Task Marking_some_read_then_all_read_brings_the_unread_count_down()
    {
        var desk = await SupportDesk.Open(cluster);
        var anna = await Join(desk, "support", "Anna Reader");
        var (ticketId, _) = await desk.ApiTicket("Question");
        for (var i = 0; i < 3; i++)
            await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/notes", new { text = $"@anna.reader... no, @AnnaReader: {i}" });

        var items = (await anna.Api.Get(Bell)).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["@anna.reader... no, @AnnaReader: 2", "@anna.reader... no, @AnnaReader: 1", "@anna.reader... no, @AnnaReader: 0"],
            items.Select(i => i.GetProperty("excerpt").GetString()));   // newest first, one per note however often named
        var newest = items[0].GetProperty("id").GetGuid();
        var someoneElses = Guid.NewGuid();

        var left = await anna.Api.Post($"{Bell}/read", new { ids = new[] { newest, someoneElses } }, HttpStatusCode.OK);
        Assert.Equal(2, left.GetProperty("unread_count").GetInt32());
        var bell = await anna.Api.Get(Bell);
        Assert.Equal(2, bell.GetProperty("unread_count").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, bell.GetProperty("items")[0].GetProperty("read_at").ValueKind);
        // An empty list names none: only leaving ids out marks all.
        Assert.Equal(2, (await anna.Api.Post($"{Bell}/read", new { ids = Array.Empty<Guid>() }, HttpStatusCode.OK)).GetProperty("unread_count").GetInt32());

        Assert.Equal(0, (await anna.Api.Post($"{Bell}/read", new { }, HttpStatusCode.OK)).GetProperty("unread_count").GetInt32());
        Assert.Equal(0, (await anna.Api.Get(Bell)).GetProperty("unread_count").GetInt32());
    }

    [Fact]
    public async Task The_bell_pages_newest_first_with_a_cursor()
    {
        var desk = await SupportDesk.Open(cluster);
        var anna = await Join(desk, "support", "Anna Pages");
        var (ticketId, _) = await desk.ApiTicket("Question");
        for (var i = 0; i < 5; i++)
            await desk.Owner.Post($"/v1/helpdesk/tickets/{ticketId}/notes", new { text = $"@AnnaPages {i}" });

        var first = await anna.Api.Get($"{Bell}?limit=2");
        var second = await anna.Api.Get($"{Bell}?limit=2&cursor={first.GetProperty("next_cursor").GetString()}");
        var third = await anna.Api.Get($"{Bell}?limit=2&cursor={second.GetProperty("next_cursor").GetString()}");

        Assert.Equal(["@AnnaPages 4", "@AnnaPages 3", "@AnnaPages 2", "@AnnaPages 1", "@AnnaPages 0"],
            new[] { first, second, third }.SelectMany(p => p.GetProperty("items").EnumerateArray()).Select(i => i.GetProperty("excerpt").GetString()));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("next_cursor").ValueKind);
        Assert.All(new[] { first, second, third }, p => Assert.Equal(5, p.GetProperty("unread_count").GetInt32()));
        await anna.Api.Call(HttpMethod.Get, $"{Bell}?cursor=bm9wZQ", null, HttpStatusCode.BadRequest);
        await anna.Api.Call(HttpMethod.Get, $"{Bell}?limit=0", null, HttpStatusCode.BadRequest);
        await anna.Api.Call(HttpMethod.Post, $"{Bell}/read", new { ids = Enumerable.Range(0, 201).Select(_ => Guid.NewGuid()) }, HttpStatusCode.BadRequest);
        await anna.Api.Call(HttpMethod.Post, $"{Bell}/read", new { ids = new[] { "not-an-id" } }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_person_sees_notifications_of_all_their_projects_but_none_of_a_project_they_left()
    {
        var acme = await SupportDesk.Open(cluster, "Acme");
        var globex = await SupportDesk.Open(cluster, "Globex");
        var anna = await Join(acme, "support", "Anna Both");
        var annaInGlobex = (await globex.Owner.Post($"/v1/projects/{globex.ProjectId}/members", new { email = anna.Email, role = "support" }))
            .GetProperty("id").GetGuid();
        var (acmeTicket, _) = await acme.ApiTicket("Acme question");
        var (globexTicket, _) = await globex.ApiTicket("Globex question");

        await acme.Owner.Post($"/v1/helpdesk/tickets/{acmeTicket}/notes", new { text = "@AnnaBoth acme" });
        await globex.Owner.Post($"/v1/helpdesk/tickets/{globexTicket}/notes", new { text = "@AnnaBoth globex secret" });
        var bell = await anna.Api.Get(Bell);
        Assert.Equal(["Globex", "Acme"], bell.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("project_name").GetString()));
        Assert.Equal(2, bell.GetProperty("unread_count").GetInt32());

        await globex.Owner.Call(HttpMethod.Delete, $"/v1/projects/{globex.ProjectId}/members/{annaInGlobex}", null, HttpStatusCode.NoContent);
        bell = await anna.Api.Get(Bell);
        Assert.Equal(["Acme"], bell.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("project_name").GetString()));
        Assert.Equal(1, bell.GetProperty("unread_count").GetInt32());
        Assert.DoesNotContain("globex secret", bell.ToString());

        // Nobody else sees them, and a mention of someone outside the project notifies nobody.
        var stranger = await Me(await cluster.Api().LogInAs());
        await acme.Owner.Post($"/v1/helpdesk/tickets/{acmeTicket}/notes", new { text = $"@{stranger.Email} hello" });
        Assert.Equal(0, (await stranger.Api.Get(Bell)).GetProperty("unread_count").GetInt32());
    }

    [Fact]
    public async Task Api_keys_have_no_bell()
    {
        var desk = await SupportDesk.Open(cluster);
        var key = (await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/api-keys", new { name = "crm" })).GetProperty("key").GetString();
        await desk.Owner.WithToken(key).Call(HttpMethod.Get, Bell, null, HttpStatusCode.Forbidden);
        await desk.Owner.WithToken(null).Call(HttpMethod.Get, Bell, null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void Mentions_match_emails_quoted_names_whole_names_first_names_and_email_names()
    {
        Team.MemberView Member(string email, string? name) => new(Guid.NewGuid(), Guid.NewGuid(), email, Projects.ProjectRole.Support, DateTimeOffset.UtcNow, null, name);
        var anna = Member("anna.k@example.com", "Anna Karenina");
        var annaP = Member("ap@example.com", "Anna Pavlova");
        var boris = Member("boris@example.com", "Boris");
        var removed = Member("gone@example.com", "Gone Person") with { RemovedAt = DateTimeOffset.UtcNow };
        var invited = Member("invited@example.com", null) with { UserId = null };
        Team.MemberView[] team = [anna, annaP, boris, removed, invited];

        Guid?[] Who(string text) => [.. Mentions.In(text, team).Select(id => (Guid?)id)];

        Assert.Equal([anna.UserId], Who("@ANNA.K@example.com please"));
        Assert.Equal([anna.UserId], Who("cc @\"anna karenina\"."));
        Assert.Equal([anna.UserId], Who("@AnnaKarenina"));
        Assert.Equal([anna.UserId], Who("@anna.k, thoughts?"));
        Assert.Equal([boris.UserId], Who("@boris!"));
        Assert.Empty(Who("@anna"));                          // two Annas: nobody rather than the wrong one
        Assert.Empty(Who("mail boris@example.com"));         // an address in the text is no mention
        Assert.Empty(Who("@gone @invited @nobody"));
        Assert.Equal([boris.UserId, annaP.UserId], Who("@boris @ap @boris"));
    }

    private async Task<Person> Join(SupportDesk desk, string role, string name)
    {
        var email = $"{name.Split(' ')[0].ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        var api = await cluster.Api().LogInAs(email);
        await api.Patch("/v1/auth/me", new { name });
        await desk.Owner.Post($"/v1/projects/{desk.ProjectId}/members", new { email, role });
        return (await Me(api)) with { Email = email };
    }

    private static async Task<Person> Me(ApiClient api)
    {
        var me = await api.Get("/v1/auth/me");
        return new Person(api, me.GetProperty("id").GetGuid(), me.GetProperty("email").GetString()!);
    }

    /// <summary>The person last used the dashboard an hour ago (as if they had closed it then).</summary>
    private async Task Away(Person person)
    {
        await using var command = cluster.Database.CreateCommand("UPDATE sessions SET last_seen_at = now() - interval '1 hour' WHERE user_id = $1");
        command.Parameters.Add(new() { Value = person.Id });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<ReceivedEmail> MailTo(string email, int before)
    {
        await Eventually(() => Task.FromResult(cluster.Smtp.CountTo(email) > before));
        return cluster.Smtp.Received.Where(m => m.To.Equals(email, StringComparison.OrdinalIgnoreCase)).Skip(before).First();
    }
}
