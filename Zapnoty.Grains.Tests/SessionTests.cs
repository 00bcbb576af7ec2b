using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>Finding 18: sessions have an absolute lifetime, can be reviewed and ended, and a missed revocation still lands.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SessionTests(ClusterFixture cluster)
{
    private const string Me = "/v1/auth/me";

    [Fact]
    public async Task A_person_sees_their_live_sessions_and_which_one_is_this()
    {
        var email = $"agent-{Guid.NewGuid():N}@example.com";
        var laptop = (await cluster.Api(0).LogInAs(email)).WithClientIp("203.0.113.7");
        var phone = (await cluster.Api(1).LogInAs(email)).WithClientIp("2001:db8:1:2:3:4:5:6");
        await phone.Get(Me);

        var sessions = (await laptop.Get("/v1/auth/sessions")).GetProperty("items").EnumerateArray().ToList();

        Assert.Equal(2, sessions.Count);
        var current = Assert.Single(sessions, s => s.GetProperty("current").GetBoolean());
        Assert.Equal("203.0.113.7", current.GetProperty("last_network").GetString());
        var other = Assert.Single(sessions, s => !s.GetProperty("current").GetBoolean());
        Assert.Equal("2001:db8:1:2::/64", other.GetProperty("last_network").GetString());
        foreach (var session in sessions)
        {
            var created = session.GetProperty("created_at").GetDateTime();
            Assert.True(session.GetProperty("expires_at").GetDateTime() <= created.AddDays(90));
            Assert.Equal(JsonValueKind.String, session.GetProperty("last_seen_at").ValueKind);
        }
    }

    [Fact]
    public async Task Ending_one_session_stops_it_on_every_silo_and_leaves_the_others()
    {
        var email = $"agent-{Guid.NewGuid():N}@example.com";
        var laptop = await cluster.Api(0).LogInAs(email);
        var stolen = await cluster.Api(1).LogInAs(email);
        await cluster.Api(0).WithToken(stolen.Token).Get(Me);
        await stolen.Get(Me);
        var stolenId = (await stolen.Get("/v1/auth/sessions")).GetProperty("items").EnumerateArray()
            .Single(s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();

        await laptop.Call(HttpMethod.Delete, $"/v1/auth/sessions/{stolenId}", null, HttpStatusCode.NoContent);

        await stolen.Call(HttpMethod.Get, Me, null, HttpStatusCode.Unauthorized);
        await cluster.Api(0).WithToken(stolen.Token).Call(HttpMethod.Get, Me, null, HttpStatusCode.Unauthorized);
        await laptop.Get(Me);
        await laptop.Call(HttpMethod.Delete, $"/v1/auth/sessions/{stolenId}", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task No_one_can_end_another_persons_session()
    {
        var victim = await cluster.Api().LogInAs();
        var victimId = (await victim.Get("/v1/auth/sessions")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var stranger = await cluster.Api(1).LogInAs();

        await stranger.Call(HttpMethod.Delete, $"/v1/auth/sessions/{victimId}", null, HttpStatusCode.NotFound);

        await victim.Get(Me);
    }

    [Fact]
    public async Task Log_out_everywhere_ends_every_session_of_the_person_only()
    {
        var email = $"agent-{Guid.NewGuid():N}@example.com";
        var sessions = new[] { await cluster.Api(0).LogInAs(email), await cluster.Api(1).LogInAs(email), await cluster.Api(0).LogInAs(email) };
        foreach (var session in sessions) await session.Get(Me);
        var someoneElse = await cluster.Api(1).LogInAs();

        await sessions[0].Call(HttpMethod.Post, "/v1/auth/logout-everywhere", null, HttpStatusCode.NoContent);

        foreach (var session in sessions)
        {
            await session.Call(HttpMethod.Get, Me, null, HttpStatusCode.Unauthorized);
            await cluster.Api(1).WithToken(session.Token).Call(HttpMethod.Get, Me, null, HttpStatusCode.Unauthorized);
        }
        await someoneElse.Get(Me);
    }

    [Fact]
    public async Task A_session_ends_90_days_after_its_login_however_recently_it_was_used()
    {
        var session = await cluster.Api().LogInAs();
        // Logged in 91 days ago and used ever since, so its sliding expiry is still far away.
        await Execute("UPDATE sessions SET created_at = now() - interval '91 days', expires_at = now() + interval '20 days' WHERE token_hash = $1",
            Credentials.Hash(session.Token!));

        await session.Call(HttpMethod.Get, Me, null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_session_near_its_absolute_end_does_not_slide_past_it()
    {
        var session = await cluster.Api().LogInAs();
        await Execute("UPDATE sessions SET created_at = now() - interval '89 days', expires_at = now() + interval '1 day' WHERE token_hash = $1",
            Credentials.Hash(session.Token!));

        var listed = (await session.Get("/v1/auth/sessions")).GetProperty("items")[0];

        var created = listed.GetProperty("created_at").GetDateTime();
        Assert.Equal(created.AddDays(90), listed.GetProperty("expires_at").GetDateTime(), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_revocation_that_never_reached_the_cache_still_takes_effect_within_the_recheck_period()
    {
        var session = await cluster.Api().LogInAs();
        var owner = session;
        var projectId = await owner.CreateProject();
        var key = owner.WithToken((await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm" })).GetProperty("key").GetString());
        await session.Get(Me);
        await key.Get($"/v1/projects/{projectId}/helpdesk/tickets");

        // Revoked in the database behind the credential grains' back (as when a Forget call is lost).
        await Execute("UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", Credentials.Hash(key.Token!));
        await Execute("UPDATE sessions SET revoked_at = now() WHERE token_hash = $1", Credentials.Hash(session.Token!));

        await Poll.Eventually(async () =>
        {
            using var response = await key.Send(HttpMethod.Get, $"/v1/projects/{projectId}/helpdesk/tickets");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, seconds: 10);
        await Poll.Eventually(async () =>
        {
            using var response = await session.Send(HttpMethod.Get, Me);
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, seconds: 10);
    }

    [Fact]
    public async Task An_api_key_has_no_sessions_to_list_or_end()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var key = owner.WithToken((await owner.Post($"/v1/projects/{projectId}/api-keys", new { name = "crm", scopes = new[] { "admin" } }))
            .GetProperty("key").GetString());

        await key.Call(HttpMethod.Get, "/v1/auth/sessions", null, HttpStatusCode.Forbidden);
        await key.Call(HttpMethod.Post, "/v1/auth/logout-everywhere", null, HttpStatusCode.Forbidden);
        await owner.Get(Me);
    }

    private async Task Execute(string sql, byte[] hash)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        command.Parameters.Add(new() { Value = hash });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
