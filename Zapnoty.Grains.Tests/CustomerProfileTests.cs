using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CustomerProfileTests(ClusterFixture cluster)
{
    private static Task<JsonElement> Ticket(ApiClient agent, Guid projectId, string externalId, string name, string text = "Help") =>
        agent.Post($"/v1/projects/{projectId}/helpdesk/tickets", new { text, customer = new { external_id = externalId, name } });

    private static IEnumerable<string?> Names(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString());

    [Fact]
    public async Task Customers_are_found_by_part_of_their_name_or_external_id_newest_first_page_by_page()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        await Ticket(owner, projectId, "crm-1001", "Anna Petrova");
        await Ticket(owner, projectId, "crm-1002", "Boris Ivanov");
        await Ticket(owner, projectId, "crm-2003", "Anastasia Volkova");
        var customers = $"/v1/projects/{projectId}/customers";

        Assert.Equal(["Anastasia Volkova", "Boris Ivanov", "Anna Petrova"], Names(await owner.Get(customers)));
        Assert.Equal(["Anna Petrova"], Names(await owner.Get($"{customers}?q=petrov")));
        Assert.Equal(["Boris Ivanov", "Anna Petrova"], Names(await owner.Get($"{customers}?q=crm-100")));
        Assert.Empty(Names(await owner.Get($"{customers}?q=100%25")));
        var first = await owner.Get($"{customers}?q=ana&limit=1");
        Assert.Equal(["Anastasia Volkova"], Names(first));
        Assert.Null(first.GetProperty("next_cursor").GetString());

        var page = await owner.Get($"{customers}?limit=2");
        Assert.Equal(["Anastasia Volkova", "Boris Ivanov"], Names(page));
        Assert.Equal(["Anna Petrova"], Names(await owner.Get($"{customers}?limit=2&cursor={page.GetProperty("next_cursor").GetString()}")));

        var shortQuery = await owner.Call(HttpMethod.Get, $"{customers}?q=an", null, HttpStatusCode.BadRequest);
        Assert.True(shortQuery.GetProperty("errors").TryGetProperty("q", out _));
        await owner.Call(HttpMethod.Get, $"{customers}?cursor=garbage", null, HttpStatusCode.BadRequest);

        // Another project's directory does not list them.
        var otherProject = await owner.CreateProject();
        Assert.Empty(Names(await owner.Get($"/v1/projects/{otherProject}/customers?q=petrov")));
    }

    [Fact]
    public async Task The_profile_shows_all_the_customers_tickets_open_first_and_the_notes_the_team_keeps()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        var supportEmail = $"support-{Guid.NewGuid():N}@example.com";
        var viewerEmail = $"viewer-{Guid.NewGuid():N}@example.com";
        await owner.Post($"/v1/projects/{projectId}/members", new { email = supportEmail, role = "support" });
        await owner.Post($"/v1/projects/{projectId}/members", new { email = viewerEmail, role = "viewer" });
        var support = await cluster.Api(1).LogInAs(supportEmail);
        var viewer = await cluster.Api(0).LogInAs(viewerEmail);

        var one = await Ticket(owner, projectId, "crm-7", "Anna Petrova", "First question");
        var two = await Ticket(owner, projectId, "crm-7", "Anna Petrova", "Second question");
        await Ticket(owner, projectId, "crm-7", "Anna Petrova", "Third question");
        await Ticket(owner, projectId, "crm-8", "Somebody Else");
        await owner.Patch($"/v1/helpdesk/tickets/{two.GetProperty("id").GetGuid()}", new { status = "closed" });
        var customerId = one.GetProperty("customer").GetProperty("id").GetGuid();
        var path = $"/v1/projects/{projectId}/customers/{customerId}";

        var profile = await viewer.Get(path);
        Assert.Equal("Anna Petrova", profile.GetProperty("name").GetString());
        Assert.Equal("api", profile.GetProperty("channel").GetString());
        Assert.Equal("crm-7", profile.GetProperty("external_id").GetString());
        Assert.True(profile.GetProperty("first_contact_at").GetDateTime() <= one.GetProperty("created_at").GetDateTime());
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("notes").ValueKind);
        // Open tickets first (newest first), then the closed ones.
        Assert.Equal([3L, 1L, 2L], profile.GetProperty("tickets").EnumerateArray().Select(t => t.GetProperty("number").GetInt64()));
        Assert.Equal("closed", profile.GetProperty("tickets")[2].GetProperty("status").GetString());

        // Support keeps notes; a viewer reads them but cannot change them.
        var noted = await support.Patch(path, new { notes = "Prefers email. VIP since 2024." });
        Assert.Equal("Prefers email. VIP since 2024.", noted.GetProperty("notes").GetString());
        Assert.Equal("Prefers email. VIP since 2024.", (await viewer.Get(path)).GetProperty("notes").GetString());
        await viewer.Call(HttpMethod.Patch, path, new { notes = "mine" }, HttpStatusCode.Forbidden);
        await support.Call(HttpMethod.Patch, path, new { notes = new string('n', 4097) }, HttpStatusCode.BadRequest);
        await support.Call(HttpMethod.Patch, path, new { notes = "a\u0000b" }, HttpStatusCode.BadRequest);
        Assert.Equal(JsonValueKind.Null, (await support.Patch(path, new { notes = "  " })).GetProperty("notes").ValueKind);
        Assert.Equal(["customer.notes_changed", "customer.notes_changed"], (await owner.Get($"/v1/projects/{projectId}/audit?action=customer"))
            .GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));

        // Another project, even of the same owner, does not see this customer.
        var otherProject = await owner.CreateProject();
        await owner.Call(HttpMethod.Get, $"/v1/projects/{otherProject}/customers/{customerId}", null, HttpStatusCode.NotFound);
        await owner.Call(HttpMethod.Patch, $"/v1/projects/{otherProject}/customers/{customerId}", new { notes = "x" }, HttpStatusCode.NotFound);
        await owner.Call(HttpMethod.Get, $"/v1/projects/{projectId}/customers/{Guid.NewGuid()}", null, HttpStatusCode.NotFound);
        var outsider = await cluster.Api(0).LogInAs();
        await outsider.Call(HttpMethod.Get, path, null, HttpStatusCode.NotFound);
    }
}
