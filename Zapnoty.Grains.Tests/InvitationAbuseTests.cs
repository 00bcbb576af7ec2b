using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// What keeps our sending domain from carrying someone else's phishing: names are one line of
/// visible text, no user text in subjects, invitations limited per project and per person.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class InvitationAbuseTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Names_with_line_breaks_control_or_bidi_characters_are_refused_for_projects_ticket_types_and_api_keys()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        foreach (var name in new[] { "Shop\nINFO Zapnoty.Api: fake line", "a\u0000b", "invoice\u202Egpj.exe", "zero\u200Bwidth" })
        {
            // U+0000 is refused in every request string before any field rule sees it.
            var reason = name.Contains('\0') ? "U+0000" : "one line of text";
            await AssertNameRefused(await owner.Send(HttpMethod.Post, "/v1/projects", new { name, slug = $"p-{Guid.NewGuid():N}"[..20] }), reason);
            await AssertNameRefused(await owner.Send(HttpMethod.Patch, $"/v1/projects/{projectId}", new { name }), reason);
            await AssertNameRefused(await owner.Send(HttpMethod.Post, $"/v1/projects/{projectId}/helpdesk/ticket-types", new { name }), reason);
            await AssertNameRefused(await owner.Send(HttpMethod.Post, $"/v1/projects/{projectId}/api-keys", new { name }), reason);
            using var me = await owner.Send(HttpMethod.Patch, "/v1/auth/me", new { name });
            Assert.Equal(HttpStatusCode.BadRequest, me.StatusCode);
        }
        await owner.Call(HttpMethod.Patch, $"/v1/projects/{projectId}", new { name = "Café Zürich 👨‍👩‍👧" }, HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_invitation_subject_carries_nothing_the_projects_creator_wrote()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject("Security alert: verify your account at evil.example");
        var email = $"invitee-{Guid.NewGuid():N}@example.com";
        await owner.Post($"/v1/projects/{projectId}/members", new { email, role = "support" });

        await Poll.Eventually(() => Task.FromResult(cluster.Smtp.CountTo(email) == 1));
        var mail = cluster.Smtp.Received.Single(m => m.To.Equals(email, StringComparison.OrdinalIgnoreCase));
        Assert.Equal("You are invited to a support team on Zapnoty Helpdesk", mail.Subject);
    }

    [Fact]
    public async Task A_project_invites_at_most_20_people_an_hour_and_the_21st_gets_429_without_an_email()
    {
        var owner = await cluster.Api(0).LogInAs();
        var projectId = await owner.CreateProject();
        for (var i = 0; i < 20; i++)
            await cluster.Api(i % 2).WithToken(owner.Token).Post($"/v1/projects/{projectId}/members", new { email = Invitee(), role = "support" });

        var refusedEmail = Invitee();
        using var refused = await cluster.Api(1).WithToken(owner.Token).Send(HttpMethod.Post, $"/v1/projects/{projectId}/members", new { email = refusedEmail, role = "support" });
        var detail = await AssertTooManyRequests(refused);
        Assert.StartsWith("This project has invited 20 people within an hour; try again in ", detail);
        Assert.Equal(0, cluster.Smtp.CountTo(refusedEmail));
    }

    [Fact]
    public async Task One_person_invites_at_most_30_people_an_hour_across_their_projects()
    {
        var owner = await cluster.Api(0).LogInAs();
        var first = await owner.CreateProject();
        var second = await owner.CreateProject();
        for (var i = 0; i < 20; i++) await owner.Post($"/v1/projects/{first}/members", new { email = Invitee(), role = "viewer" });
        for (var i = 0; i < 10; i++) await owner.Post($"/v1/projects/{second}/members", new { email = Invitee(), role = "viewer" });

        var third = await owner.CreateProject();
        using var refused = await owner.Send(HttpMethod.Post, $"/v1/projects/{third}/members", new { email = Invitee(), role = "viewer" });
        Assert.StartsWith("You have invited 30 people within an hour; try again in ", await AssertTooManyRequests(refused));
    }

    private static string Invitee() => $"invitee-{Guid.NewGuid():N}@example.com";

    private static async Task AssertNameRefused(HttpResponseMessage response, string reason)
    {
        using var _ = response;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(reason, text);
    }

    private static async Task<string> AssertTooManyRequests(HttpResponseMessage response)
    {
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromMinutes(59), "the wait is for the oldest invitation to leave the hour");
        return await TooManyRequests.Detail(response, TimeSpan.FromHours(1));
    }
}
