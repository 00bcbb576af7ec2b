using System.Net;
using System.Text.Json;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// CSAT through the API: the survey settings, and website tickets, whose survey goes out as the
/// <c>ticket.csat_requested</c> webhook and comes back through <c>POST /v1/helpdesk/tickets/{id}/csat</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CsatApiTests(ClusterFixture cluster) : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task The_survey_settings_start_off_with_default_texts_and_refuse_what_cannot_be_stored()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var path = $"/v1/projects/{projectId}/helpdesk/csat";

        var defaults = await agent.Get(path);
        Assert.False(defaults.GetProperty("enabled").GetBoolean());
        Assert.StartsWith("How did we do?", defaults.GetProperty("question_text").GetString());
        Assert.Equal(JsonValueKind.Null, defaults.GetProperty("comment_prompt_text").ValueKind);

        var missing = await agent.Call(HttpMethod.Put, path, new { question_text = "Rate us" }, HttpStatusCode.BadRequest);
        Assert.True(missing.GetProperty("errors").TryGetProperty("enabled", out _));
        var tooLong = await agent.Call(HttpMethod.Put, path, new { enabled = true, thanks_text = new string('a', 1001) }, HttpStatusCode.BadRequest);
        Assert.True(tooLong.GetProperty("errors").TryGetProperty("thanks_text", out _));
        using (var nul = await agent.SendRaw(HttpMethod.Put, path, """{"enabled":true,"question_text":"Rate\u0000us"}"""))
            Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);

        var saved = await agent.Call(HttpMethod.Put, path,
            new { enabled = true, question_text = "  Rate us, please  ", thanks_text = "", comment_prompt_text = "Tell us more?" }, HttpStatusCode.OK);
        Assert.True(saved.GetProperty("enabled").GetBoolean());
        Assert.Equal("Rate us, please", saved.GetProperty("question_text").GetString());
        Assert.Equal("Thank you for your rating!", saved.GetProperty("thanks_text").GetString());
        Assert.Equal("Tell us more?", (await agent.Get(path)).GetProperty("comment_prompt_text").GetString());
        var audit = await agent.Get($"/v1/projects/{projectId}/audit");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "helpdesk.csat_changed");
    }

    [Fact]
    public async Task A_website_ticket_closing_fires_csat_requested_and_takes_one_rating_through_the_api()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var hook = Guid.NewGuid().ToString("N");
        await agent.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url(hook) });
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/helpdesk/csat",
            new { enabled = true, question_text = "Rate us", comment_prompt_text = "Why?" }, HttpStatusCode.OK);
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        var rate = $"/v1/helpdesk/tickets/{ticketId}/csat";

        var open = await agent.Call(HttpMethod.Post, rate, new { score = 5 }, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("not closed", open.GetProperty("detail").GetString());

        var closed = await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        Assert.Equal(JsonValueKind.String, closed.GetProperty("csat_requested_at").ValueKind);
        var requested = (await _receiver.WaitFor(r => r.Any(w => w.Type == "ticket.csat_requested"), hook)).Single(w => w.Type == "ticket.csat_requested");
        Assert.Equal(ticketId, requested.TicketId);
        Assert.Equal("Rate us", requested.Data.GetProperty("survey").GetProperty("question_text").GetString());
        Assert.Equal("Why?", requested.Data.GetProperty("survey").GetProperty("comment_prompt_text").GetString());

        await agent.Call(HttpMethod.Post, rate, new { score = 6 }, HttpStatusCode.UnprocessableEntity);
        await agent.Call(HttpMethod.Post, rate, new { score = 0 }, HttpStatusCode.UnprocessableEntity);
        await agent.Call(HttpMethod.Post, rate, new { comment = "no score" }, HttpStatusCode.BadRequest);
        await agent.Call(HttpMethod.Post, rate, new { score = 4, comment = new string('x', 4097) }, HttpStatusCode.BadRequest);

        var rated = await agent.Call(HttpMethod.Post, rate, new { score = 4, comment = "Fast answer" }, HttpStatusCode.OK);
        Assert.Equal(4, rated.GetProperty("csat").GetProperty("score").GetInt32());
        Assert.Equal("Fast answer", rated.GetProperty("csat").GetProperty("comment").GetString());
        var again = await agent.Call(HttpMethod.Post, rate, new { score = 1 }, HttpStatusCode.Conflict);
        Assert.Contains("already rated", again.GetProperty("detail").GetString());

        var received = (await _receiver.WaitFor(r => r.Any(w => w.Type == "ticket.csat_received"), hook)).Single(w => w.Type == "ticket.csat_received");
        Assert.Equal(4, received.Data.GetProperty("ticket").GetProperty("csat").GetProperty("score").GetInt32());
        var ticket = await agent.Get($"/v1/helpdesk/tickets/{ticketId}");
        Assert.Equal("Fast answer", ticket.GetProperty("csat").GetProperty("comment").GetString());
        var history = ticket.GetProperty("history").EnumerateArray().ToList();
        Assert.Single(history, h => h.GetProperty("field").GetString() == "csat_score" && h.GetProperty("to").GetString() == "4");
        Assert.Single(history, h => h.GetProperty("field").GetString() == "csat_comment" && h.GetProperty("to").GetString() == "Fast answer");
        Assert.Equal(4, (await agent.Get($"/v1/projects/{projectId}/helpdesk/tickets")).GetProperty("items")[0].GetProperty("csat").GetProperty("score").GetInt32());

        // Reopened, the survey is withdrawn (the rating stays); closed again, it is asked anew.
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "in_progress" });
        await agent.Call(HttpMethod.Post, rate, new { score = 2 }, HttpStatusCode.UnprocessableEntity);
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        await _receiver.WaitFor(r => r.Count(w => w.Type == "ticket.csat_requested") == 2, hook);
        var rerated = await agent.Call(HttpMethod.Post, rate, new { score = 2 }, HttpStatusCode.OK);
        Assert.Equal(2, rerated.GetProperty("csat").GetProperty("score").GetInt32());
        Assert.Equal(JsonValueKind.Null, rerated.GetProperty("csat").GetProperty("comment").ValueKind);
    }

    [Fact]
    public async Task A_ticket_closed_while_the_survey_was_off_cannot_be_rated()
    {
        var agent = await cluster.Api().LogInAs();
        var projectId = await agent.CreateProject();
        var ticketId = (await agent.CreateTicket(projectId)).GetProperty("id").GetGuid();
        await agent.Patch($"/v1/helpdesk/tickets/{ticketId}", new { status = "closed" });
        await agent.Call(HttpMethod.Put, $"/v1/projects/{projectId}/helpdesk/csat", new { enabled = true }, HttpStatusCode.OK);
        var refused = await agent.Call(HttpMethod.Post, $"/v1/helpdesk/tickets/{ticketId}/csat", new { score = 5 }, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("No survey was sent", refused.GetProperty("detail").GetString());
    }
}
