using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Tests.Dashboard;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Issue 16: the <c>Idempotency-Key</c> header makes ticket creation, agent replies and customer
/// replies safe to repeat: one write per key and project, the first answer again on a repeat.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IdempotencyKeyTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_ticket_created_twice_with_one_key_is_stored_once_and_the_repeat_answers_the_first_result_marked_as_replayed()
    {
        var desk = await SupportDesk.Open(cluster);
        var key = Guid.NewGuid().ToString();
        var body = NewTicket(desk, "My parcel is lost");

        var first = await Send(desk.Owner, 0, HttpMethod.Post, body.Path, body.Json, key);
        // The other silo, as a balancer would send the client's retry.
        var repeat = await Send(desk.Owner, 1, HttpMethod.Post, body.Path, body.Json, key);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, repeat.Status);
        Assert.Null(first.Replayed);
        Assert.Equal("true", repeat.Replayed);
        Assert.Equal(first.Location, repeat.Location);
        Assert.Equal(first.Body.ToString(), repeat.Body.ToString());
        Assert.Equal(1, await desk.Owner.TicketCount(desk.ProjectId));
    }

    [Fact]
    public async Task A_key_sent_again_with_another_body_is_refused_with_422_and_writes_nothing()
    {
        var desk = await SupportDesk.Open(cluster);
        var key = Guid.NewGuid().ToString();
        await Send(desk.Owner, 0, HttpMethod.Post, NewTicket(desk, "My parcel is lost").Path, NewTicket(desk, "My parcel is lost").Json, key);

        var other = NewTicket(desk, "My parcel is broken");
        var refused = await Send(desk.Owner, 0, HttpMethod.Post, other.Path, other.Json, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.Contains("Idempotency-Key", refused.Body.GetProperty("detail").GetString());
        Assert.Equal(1, await desk.Owner.TicketCount(desk.ProjectId));
    }

    [Fact]
    public async Task Two_projects_using_the_same_key_each_get_their_own_ticket()
    {
        var first = await SupportDesk.Open(cluster);
        var second = await SupportDesk.Open(cluster);
        var key = "order-4711";

        var a = await Send(first.Owner, 0, HttpMethod.Post, NewTicket(first, "Where is my order?").Path, NewTicket(first, "Where is my order?").Json, key);
        var b = await Send(second.Owner, 1, HttpMethod.Post, NewTicket(second, "Where is my order?").Path, NewTicket(second, "Where is my order?").Json, key);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (a.Status, b.Status));
        Assert.Null(b.Replayed);
        Assert.NotEqual(a.Body.GetProperty("id").GetGuid(), b.Body.GetProperty("id").GetGuid());
        Assert.Equal(second.ProjectId, b.Body.GetProperty("project_id").GetGuid());
        Assert.Equal((1, 1), (await first.Owner.TicketCount(first.ProjectId), await second.Owner.TicketCount(second.ProjectId)));
    }

    [Fact]
    public async Task A_reply_repeated_with_its_key_is_stored_once_costs_one_credit_and_is_announced_once()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("Where is my order?");
        var creditsBefore = await FreeCredits(desk);
        var key = Guid.NewGuid().ToString();
        var path = $"/v1/helpdesk/tickets/{ticketId}/replies";
        const string json = """{"text":"It left our warehouse today."}""";

        var first = await Send(desk.Owner, 0, HttpMethod.Post, path, json, key);
        var repeats = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Send(desk.Owner, i % 2, HttpMethod.Post, path, json, key)));

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.All(repeats, r => Assert.Equal((HttpStatusCode.Created, "true"), (r.Status, r.Replayed)));
        Assert.All(repeats, r => Assert.Equal(first.Body.GetProperty("id").GetGuid(), r.Body.GetProperty("id").GetGuid()));
        var messages = (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray();
        Assert.Single(messages, m => m.GetProperty("text").GetString() == "It left our warehouse today.");
        Assert.Equal(creditsBefore - 1, await FreeCredits(desk));
        Assert.Equal(1L, await Scalar("SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND type = 'ticket.replied'", ticketId));
    }

    [Fact]
    public async Task Racing_repeats_of_a_reply_sent_against_the_last_message_all_get_the_first_reply_not_a_stale_refusal()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("Where is my order?");
        var lastMessageId = (await desk.Owner.Get($"/v1/helpdesk/tickets/{ticketId}")).GetProperty("messages").EnumerateArray().Last().GetProperty("id").GetGuid();
        var key = Guid.NewGuid().ToString();
        var path = $"/v1/helpdesk/tickets/{ticketId}/replies";
        var json = $$"""{"text":"On its way.","expected_last_message_id":"{{lastMessageId}}"}""";

        // Sent at once, most repeats reach the ticket grain while the first is still running, so the
        // key is not stored yet when they look: the first reply is then newer than the message they
        // were written against, and only the key tells a repeat from a stale reply.
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Send(desk.Owner, i % 2, HttpMethod.Post, path, json, key)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.Single(answers.Select(a => a.Body.GetProperty("id").GetGuid()).Distinct());
        Assert.Equal(1L, await Scalar("SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND type = 'ticket.replied'", ticketId));
    }

    [Fact]
    public async Task A_customer_reply_repeated_with_its_key_is_stored_once()
    {
        var desk = await SupportDesk.Open(cluster);
        var (ticketId, _) = await desk.ApiTicket("Where is my order?");
        var key = Guid.NewGuid().ToString();
        var path = $"/v1/helpdesk/tickets/{ticketId}/customer-reply";
        const string json = """{"text":"Any news?"}""";

        var first = await Send(desk.Owner, 1, HttpMethod.Post, path, json, key);
        var repeat = await Send(desk.Owner, 0, HttpMethod.Post, path, json, key);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.Status, repeat.Status));
        Assert.Equal("true", repeat.Replayed);
        Assert.Equal(first.Body.ToString(), repeat.Body.ToString());
        Assert.Equal(1L, await Scalar("SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND text = 'Any news?'", ticketId));
    }

    [Fact]
    public async Task A_reply_key_reused_on_another_ticket_is_refused_with_422()
    {
        var desk = await SupportDesk.Open(cluster);
        var (first, _) = await desk.ApiTicket("Where is my order?");
        var (second, _) = await desk.ApiTicket("Where is my other order?");
        var key = Guid.NewGuid().ToString();
        const string json = """{"text":"On its way."}""";

        await Send(desk.Owner, 0, HttpMethod.Post, $"/v1/helpdesk/tickets/{first}/replies", json, key);
        var refused = await Send(desk.Owner, 0, HttpMethod.Post, $"/v1/helpdesk/tickets/{second}/replies", json, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Equal(0L, await Scalar("SELECT count(*) FROM ticket_messages WHERE ticket_id = $1 AND text = 'On its way.'", second));
    }

    [Fact]
    public async Task Creations_racing_with_one_key_store_one_ticket_and_the_others_are_told_to_wait_or_get_it()
    {
        var desk = await SupportDesk.Open(cluster);
        var key = Guid.NewGuid().ToString();
        var body = NewTicket(desk, "My parcel is lost");

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Send(desk.Owner, i % 2, HttpMethod.Post, body.Path, body.Json, key)));

        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var created = answers.Where(a => a.Status == HttpStatusCode.Created).Select(a => a.Body.GetProperty("id").GetGuid()).Distinct().ToList();
        Assert.Single(created);
        Assert.Equal(1, await desk.Owner.TicketCount(desk.ProjectId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData(null)]
    public async Task A_key_that_is_not_1_to_255_printable_ascii_characters_answers_400_and_writes_nothing(string? key)
    {
        var desk = await SupportDesk.Open(cluster);
        var body = NewTicket(desk, "My parcel is lost");

        var refused = await Send(desk.Owner, 0, HttpMethod.Post, body.Path, body.Json, key ?? new string('k', 256));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.True(refused.Body.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), refused.Body.ToString());
        Assert.Equal(0, await desk.Owner.TicketCount(desk.ProjectId));
    }

    private static (string Path, string Json) NewTicket(SupportDesk desk, string text) =>
        ($"/v1/projects/{desk.ProjectId}/helpdesk/tickets", JsonSerializer.Serialize(new { text, customer = new { external_id = "idem-customer", name = "Ivan" } }));

    private sealed record Answer(HttpStatusCode Status, JsonElement Body, string? Replayed, Uri? Location, string? ContentType);

    private async Task<Answer> Send(ApiClient caller, int silo, HttpMethod method, string path, string json, string? key)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token);
        // Added without validation, so a malformed key reaches the server as sent.
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(key)));
        using var response = await cluster.Silos[silo].SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(),
            response.Headers.TryGetValues("Idempotent-Replayed", out var values) ? values.Single() : null,
            response.Headers.Location, response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<int> FreeCredits(SupportDesk desk) =>
        (await desk.Owner.Get($"/v1/projects/{desk.ProjectId}/billing")).GetProperty("free_credits_left").GetInt32();

    private async Task<long> Scalar(string sql, Guid id)
    {
        await using var command = cluster.Database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
