using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>The audit log as the settings screen reads it: actors by name, filtered by action or area.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditLogTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Entries_name_their_actor_and_filter_by_action_or_area()
    {
        var owner = await cluster.Api(0).LogInAs();
        await owner.Patch("/v1/auth/me", new { name = "Olga" });
        var projectId = await owner.CreateProject();
        var audit = $"/v1/projects/{projectId}/audit";
        await owner.Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Bug" });
        var key = (await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm", scopes = new[] { "admin" } })).GetProperty("key").GetString();
        await cluster.Api(1).WithToken(key).Post($"/v1/projects/{projectId}/helpdesk/ticket-types", new { name = "Question" });

        var types = (await owner.Get($"{audit}?action=ticket_type")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["ticket_type.added", "ticket_type.added"], types.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal("api_key", types[0].GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal("crm", types[0].GetProperty("actor").GetProperty("name").GetString());
        Assert.Equal("Olga", types[1].GetProperty("actor").GetProperty("name").GetString());
        Assert.Contains("@example.com", types[1].GetProperty("actor").GetProperty("email").GetString());

        var keys = (await owner.Get($"{audit}?action=api_key.created")).GetProperty("items");
        Assert.Equal("api_key.created", keys.EnumerateArray().Single().GetProperty("action").GetString());
        Assert.Empty((await owner.Get($"{audit}?action=ticket")).GetProperty("items").EnumerateArray());   // an area is a whole word
        await owner.Call(HttpMethod.Get, $"{audit}?action=ticket_type.%25", null, HttpStatusCode.BadRequest);
    }
}
