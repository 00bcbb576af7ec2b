using System.Net;
using System.Text.Json;
using Npgsql;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Every report figure checked against a history written with set times (by SQL, as a bulk load
/// would), whose numbers were worked out by hand. The project's zone is Europe/Moscow (UTC+3), so
/// a ticket created at 21:30 UTC belongs to the next local day.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReportNumbersTests(ClusterFixture cluster)
{
    // The range: 1 and 2 March 2026 in Moscow = [2026-02-28 21:00, 2026-03-02 21:00) UTC. 1 March is a Sunday.
    private const string Range = "from=2026-03-01&to=2026-03-02";
    private static readonly DateTimeOffset T1Created = new(2026, 3, 1, 6, 30, 0, TimeSpan.Zero);   // Sunday 09:30 local
    private static readonly DateTimeOffset T2Created = new(2026, 3, 1, 21, 30, 0, TimeSpan.Zero);  // Monday 00:30 local
    private static readonly DateTimeOffset T3Created = new(2026, 2, 28, 20, 59, 0, TimeSpan.Zero); // 28 Feb 23:59 local: before the range
    private static readonly DateTimeOffset T4Created = new(2026, 3, 2, 21, 0, 0, TimeSpan.Zero);   // 3 March 00:00 local: after it

    [Fact]
    public async Task Every_figure_of_a_known_history_equals_the_value_worked_out_by_hand()
    {
        var (owner, p, u, v, tag, type) = await KnownHistory();

        var overview = await owner.Get($"/v1/projects/{p}/reports/overview?{Range}&compare=true");
        Assert.Equal("Europe/Moscow", overview.GetProperty("time_zone").GetString());
        var f = overview.GetProperty("current").GetProperty("figures");
        // Created: T1 and T2 (T3 a minute before the range, T4 at its end). Closed: T1 and T3, in the range.
        Assert.Equal(2, f.GetProperty("created").GetInt64());
        Assert.Equal(2, f.GetProperty("closed").GetInt64());
        Assert.Equal(1, f.GetProperty("reopened").GetInt64());
        Assert.Equal(2, f.GetProperty("replies").GetInt64());
        Assert.Equal(1, f.GetProperty("notes").GetInt64());
        Assert.Equal(2, f.GetProperty("customer_messages").GetInt64());
        Assert.Equal(2, f.GetProperty("assigned").GetInt64());
        Assert.Equal(2, f.GetProperty("credits_spent").GetInt64());
        Assert.Equal(1.0, f.GetProperty("replies_per_ticket").GetDouble());
        // First responses: T1 after 600 s, T2 after 3,600 s. Resolutions: T1 after 7,200 s, T3 after 46,860 s.
        AssertTimes(f.GetProperty("first_response"), count: 2, average: 2100, median: 600, p90: 3600);
        AssertTimes(f.GetProperty("resolution"), count: 2, average: 27030, median: 7200, p90: 46860);
        // First reply: T1 met, T2 breached. Resolution: T1 breached (closed after its due time); T3 had no target.
        AssertSla(f.GetProperty("first_reply_sla"), met: 1, breached: 1, share: 0.5);
        AssertSla(f.GetProperty("resolution_sla"), met: 0, breached: 1, share: 0.0);
        // Business hours: first responses T1 600 s and T2 0 s; resolutions T1 5,400 s and T3 0 s.
        AssertTimes(f.GetProperty("first_response_business"), count: 2, average: 300, median: 0, p90: 600);
        AssertTimes(f.GetProperty("resolution_business"), count: 2, average: 2700, median: 0, p90: 5400);
        // CSAT: two surveys sent in the range (T1's, T3's last), one answered; ratings 5 (T1) and 2 (T3); one comment.
        AssertCsat(f.GetProperty("csat"), requested: 2, answered: 1, comments: 1, scores: [0, 1, 0, 0, 1], average: 3.5, rate: 0.5);
        // Tickets per customer: Anna (T1) and Boris (T2) opened one each in the range; Boris's T4 came after it.
        var customers = overview.GetProperty("current").GetProperty("customers");
        Assert.Equal((2, 2, 0, 0, 0), (customers.GetProperty("customers").GetInt32(), customers.GetProperty("one_ticket").GetInt32(),
            customers.GetProperty("two_tickets").GetInt32(), customers.GetProperty("three_to_five_tickets").GetInt32(),
            customers.GetProperty("six_or_more_tickets").GetInt32()));
        Assert.Equal(new[] { "Anna:1", "Boris:1" }, customers.GetProperty("top").EnumerateArray()
            .Select(c => $"{c.GetProperty("name").GetString()}:{c.GetProperty("tickets").GetInt64()}").Order().ToArray());
        var earlierCustomers = overview.GetProperty("previous").GetProperty("customers");
        Assert.Equal("Vera", Assert.Single(earlierCustomers.GetProperty("top").EnumerateArray()).GetProperty("name").GetString());

        // The previous two days (27-28 February) hold T3's creation only.
        var before = overview.GetProperty("previous");
        Assert.Equal("2026-02-27", before.GetProperty("from").GetString());
        Assert.Equal(1, before.GetProperty("figures").GetProperty("created").GetInt64());
        Assert.Equal(0, before.GetProperty("figures").GetProperty("closed").GetInt64());

        // By local day: 1 March has T1's creation and both closings and the reopening; 2 March T2's creation.
        var days = Rows(await owner.Get($"/v1/projects/{p}/reports/volume?{Range}&group_by=day"));
        Assert.Equal(new[] { "2026-03-01", "2026-03-02" }, days.Keys.Order().ToArray());
        Assert.Equal((1, 2, 1), Volume(days["2026-03-01"]));
        Assert.Equal((1, 0, 0), Volume(days["2026-03-02"]));
        var weeks = Rows(await owner.Get($"/v1/projects/{p}/reports/volume?{Range}&group_by=week"));
        Assert.Equal((1, 2, 1), Volume(weeks["2026-02-23"]));   // Sunday 1 March closes the week of Monday 23 February
        Assert.Equal((1, 0, 0), Volume(weeks["2026-03-02"]));

        var channels = Rows(await owner.Get($"/v1/projects/{p}/reports/volume?{Range}&group_by=channel"));
        Assert.Equal((1, 1, 0), Volume(channels["telegram"]));
        Assert.Equal((1, 0, 0), Volume(channels["api"]));
        Assert.Equal((0, 1, 1), Volume(channels["max"]));
        var priorities = Rows(await owner.Get($"/v1/projects/{p}/reports/volume?{Range}&group_by=priority"));
        Assert.Equal((1, 2, 1), Volume(priorities["high"]));
        Assert.Equal((1, 0, 0), Volume(priorities["normal"]));
        var tags = await owner.Get($"/v1/projects/{p}/reports/volume?{Range}&group_by=tag");
        var vip = Assert.Single(tags.GetProperty("current").GetProperty("rows").EnumerateArray());
        Assert.Equal(tag.ToString(), vip.GetProperty("key").GetString());
        Assert.Equal("vip", vip.GetProperty("name").GetString());
        Assert.Equal((1, 1, 0), Volume(vip.GetProperty("figures")));
        var types = Rows(await owner.Get($"/v1/projects/{p}/reports/volume?{Range}&group_by=type"));
        Assert.Equal((1, 1, 0), Volume(types[type.ToString()]));
        Assert.Equal((1, 1, 1), Volume(types[""]));

        // Per agent: U closed T1 and T3, answered T1 first (600 s), wrote both replies (2 credits) and
        // the note, and was assigned T1; V was assigned T2 and so owns its late first response.
        var agents = Rows(await owner.Get($"/v1/projects/{p}/reports/agents?{Range}"));
        var ofU = agents[u.ToString()];
        Assert.Equal((2L, 2L, 1L, 1L, 2L), (ofU.GetProperty("closed").GetInt64(), ofU.GetProperty("replies").GetInt64(),
            ofU.GetProperty("notes").GetInt64(), ofU.GetProperty("assigned").GetInt64(), ofU.GetProperty("credits_spent").GetInt64()));
        AssertTimes(ofU.GetProperty("first_response"), count: 1, average: 600, median: 600, p90: 600);
        AssertSla(ofU.GetProperty("first_reply_sla"), met: 1, breached: 0, share: 1.0);
        AssertTimes(ofU.GetProperty("first_response_business"), count: 1, average: 600, median: 600, p90: 600);
        AssertTimes(ofU.GetProperty("resolution_business"), count: 2, average: 2700, median: 0, p90: 5400);
        AssertCsat(ofU.GetProperty("csat"), requested: 2, answered: 1, comments: 1, scores: [0, 1, 0, 0, 1], average: 3.5, rate: 0.5);
        var ofV = agents[v.ToString()];
        Assert.Equal((0L, 0L, 1L), (ofV.GetProperty("closed").GetInt64(), ofV.GetProperty("replies").GetInt64(), ofV.GetProperty("assigned").GetInt64()));
        AssertTimes(ofV.GetProperty("first_response"), count: 1, average: 3600, median: 3600, p90: 3600);
        AssertSla(ofV.GetProperty("first_reply_sla"), met: 0, breached: 1, share: 0.0);
        // V wrote no note and no reply, so spent no credit; V's ticket was answered at night and has no rating.
        Assert.Equal((0L, 0L), (ofV.GetProperty("notes").GetInt64(), ofV.GetProperty("credits_spent").GetInt64()));
        AssertTimes(ofV.GetProperty("first_response_business"), count: 1, average: 0, median: 0, p90: 0);
        AssertCsat(ofV.GetProperty("csat"), requested: 0, answered: 0, comments: 0, scores: [0, 0, 0, 0, 0], average: null, rate: null);

        // Busiest hours, local: T1 created Sunday (7) 09h with its customer message, T2 Monday (1) 00h.
        var hours = await owner.Get($"/v1/projects/{p}/reports/hours?{Range}");
        var created = hours.GetProperty("current").GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("created").GetInt64() > 0)
            .Select(c => (c.GetProperty("day_of_week").GetInt32(), c.GetProperty("hour").GetInt32(), c.GetProperty("created").GetInt64()))
            .ToList();
        Assert.Equal(new[] { (1, 0, 1L), (7, 9, 1L) }, created);

        // The figures equal a recount from the raw tables as well.
        await ReportRecount.AssertRollupsEqualRecount(cluster.Database, p);
    }

    [Fact]
    public async Task Reports_answer_csv_and_the_export_streams_every_ticket_of_the_range_with_formulas_escaped()
    {
        var (owner, p, _, _, _, _) = await KnownHistory();

        using var overview = await owner.Send(HttpMethod.Get, $"/v1/projects/{p}/reports/overview?{Range}&format=csv");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.Equal("text/csv", overview.Content.Headers.ContentType?.MediaType);
        var lines = (await overview.Content.ReadAsStringAsync()).TrimEnd().Split("\r\n");
        Assert.StartsWith("period,range,name,created,closed,reopened,", lines[0]);
        Assert.StartsWith("current,2026-03-01..2026-03-02,,2,2,1,2,1,2,2,2,1,", lines[1]);
        // CSAT at the end of the row: sent 2, answered 1, rate 0.5, received 2, average 3.5, per score 0,1,0,0,1, comments 1.
        Assert.Contains(",2,1,0.5,2,3.5,0,1,0,0,1,1,", lines[1]);
        Assert.Contains(",csat_requested,csat_answered,csat_response_rate,csat_received,csat_average_score,csat_1,csat_2,csat_3,csat_4,csat_5,csat_comments,", lines[0]);

        var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{p}/reports/volume?{Range}&group_by=channel");
        request.Headers.Authorization = new("Bearer", owner.Token);
        request.Headers.Accept.ParseAdd("text/csv");
        using var byAccept = await owner.Http.SendAsync(request);
        Assert.Equal("text/csv", byAccept.Content.Headers.ContentType?.MediaType);
        Assert.Contains("current,telegram,,1,1,0,", await byAccept.Content.ReadAsStringAsync());

        using var export = await owner.Send(HttpMethod.Get, $"/v1/projects/{p}/helpdesk/tickets/export?{Range}");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var rows = (await export.Content.ReadAsStringAsync()).TrimEnd().Split("\r\n");
        Assert.Equal(string.Join(',', TicketExport.Columns), rows[0]);
        Assert.Equal(3, rows.Length);   // T1 and T2; T3 and T4 were created outside the range
        Assert.StartsWith("1,", rows[1]);
        Assert.Contains("'=1+2", rows[1]);   // a subject a spreadsheet would run is escaped
        Assert.DoesNotContain(",=1+2", rows[1]);
        Assert.Contains(",2026-03-01T06:30:00Z,closed,high,Bug,telegram,", rows[1]);
        Assert.StartsWith("2,", rows[2]);
        // The ratings and their comments of the range's tickets, with the business-hours durations, close each row.
        Assert.EndsWith(",600,5400,5,Fast and kind,2026-03-01T08:40:00Z", rows[1]);
    }

    [Fact]
    public async Task The_overview_csv_ends_each_period_with_its_tickets_per_customer_as_the_json_has_them()
    {
        var (owner, p, _, _, _, _) = await KnownHistory();

        using var overview = await owner.Send(HttpMethod.Get, $"/v1/projects/{p}/reports/overview?{Range}&compare=true&format=csv");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        var lines = (await overview.Content.ReadAsStringAsync()).TrimEnd().Split("\r\n");
        Assert.EndsWith(",csat_comments,customers,customers_with_1_ticket,customers_with_2_tickets,customers_with_3_to_5_tickets,customers_with_6_or_more_tickets",
            lines[0]);
        // The range: Anna and Boris opened one ticket each. The two days before it: Vera alone, with one.
        Assert.StartsWith("current,", lines[1]);
        Assert.EndsWith(",1,2,2,0,0,0", lines[1]);
        Assert.StartsWith("previous,", lines[2]);
        Assert.EndsWith(",1,1,0,0,0", lines[2]);
    }

    [Theory]
    [InlineData("from=2026-13-01", HttpStatusCode.BadRequest, "from")]
    [InlineData("from=2026-03-02&to=2026-03-01", HttpStatusCode.BadRequest, "from")]
    [InlineData("from=2020-01-01&to=2026-03-01", HttpStatusCode.UnprocessableEntity, "from")]
    [InlineData("format=pdf", HttpStatusCode.BadRequest, "format")]
    public async Task A_report_of_a_malformed_or_too_long_range_is_refused_with_a_problem(string query, HttpStatusCode status, string field)
    {
        var owner = await cluster.Api().LogInAs();
        var p = await owner.CreateProject();
        foreach (var path in new[] { "reports/overview", "reports/volume", "reports/agents", "reports/hours", "helpdesk/tickets/export" })
        {
            using var response = await owner.Send(HttpMethod.Get, $"/v1/projects/{p}/{path}?{query}");
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(field, await response.Content.ReadAsStringAsync());
        }
        using var grouping = await owner.Send(HttpMethod.Get, $"/v1/projects/{p}/reports/volume?group_by=moon");
        Assert.Equal(HttpStatusCode.BadRequest, grouping.StatusCode);
    }

    private static void AssertTimes(JsonElement times, long count, long average, long median, long p90)
    {
        Assert.Equal(count, times.GetProperty("count").GetInt64());
        Assert.Equal(average, times.GetProperty("average_seconds").GetInt64());
        // Medians and percentiles come from log-spaced buckets: within the bucket of the true value.
        AssertInBucketOf(median, times.GetProperty("median_seconds").GetInt64());
        AssertInBucketOf(p90, times.GetProperty("p90_seconds").GetInt64());
    }

    private static void AssertCsat(JsonElement csat, long requested, long answered, long comments, long[] scores, double? average, double? rate)
    {
        Assert.Equal((requested, answered, comments), (csat.GetProperty("requested").GetInt64(), csat.GetProperty("answered").GetInt64(),
            csat.GetProperty("comments").GetInt64()));
        Assert.Equal(scores, csat.GetProperty("distribution").EnumerateArray().Select(d => d.GetProperty("count").GetInt64()).ToArray());
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, csat.GetProperty("distribution").EnumerateArray().Select(d => d.GetProperty("score").GetInt32()).ToArray());
        Assert.Equal(scores.Sum(), csat.GetProperty("received").GetInt64());
        Assert.Equal(average, csat.GetProperty("average_score") is { ValueKind: JsonValueKind.Number } a ? a.GetDouble() : null);
        Assert.Equal(rate, csat.GetProperty("response_rate") is { ValueKind: JsonValueKind.Number } r ? r.GetDouble() : null);
    }

    private static void AssertInBucketOf(long expected, long actual)
    {
        var bucket = expected < 60 ? 0 : 1 + (int)Math.Floor(4 * Math.Log2(expected / 60.0));
        Assert.InRange(actual, (long)Math.Floor(TimeBuckets.Lower(bucket)), (long)Math.Ceiling(TimeBuckets.Upper(bucket)));
    }

    private static void AssertSla(JsonElement sla, long met, long breached, double share)
    {
        Assert.Equal(met, sla.GetProperty("met").GetInt64());
        Assert.Equal(breached, sla.GetProperty("breached").GetInt64());
        Assert.Equal(share, sla.GetProperty("met_share").GetDouble());
    }

    private static Dictionary<string, JsonElement> Rows(JsonElement table) =>
        table.GetProperty("current").GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("figures"));

    private static (int Created, int Closed, int Reopened) Volume(JsonElement figures) =>
        (figures.GetProperty("created").GetInt32(), figures.GetProperty("closed").GetInt32(), figures.GetProperty("reopened").GetInt32());

    /// <summary>
    /// Four tickets written by SQL with set times (the numbers each test expects are worked out in
    /// the comments of <see cref="Every_figure_of_a_known_history_equals_the_value_worked_out_by_hand"/>).
    /// U is the owner; V another member.
    /// </summary>
    private async Task<(ApiClient Owner, Guid Project, Guid U, Guid V, Guid Tag, Guid Type)> KnownHistory()
    {
        var owner = await cluster.Api().LogInAs();
        var p = await owner.CreateProject();
        var u = (await owner.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        var v = Guid.NewGuid();
        var tag = (await owner.Post($"/v1/projects/{p}/tags", new { name = "vip" })).GetProperty("id").GetGuid();
        var type = (await owner.Post($"/v1/projects/{p}/helpdesk/ticket-types", new { name = "Bug" })).GetProperty("id").GetGuid();
        var (t1, t2, t3, t4) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var (c1, c2, c3) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var (m1, r1, m2, r2, n2) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var minute = TimeSpan.FromMinutes(1);

        await using var connection = await cluster.Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        async Task Sql(string sql, params object?[] values)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            await command.ExecuteNonQueryAsync();
        }
        await Sql("INSERT INTO project_calendars (project_id, calendar, updated_at) VALUES ($1, '{\"time_zone\": \"Europe/Moscow\"}', now())", p);
        await Sql("INSERT INTO users (id, email, created_at) VALUES ($1, $2, now())", v, $"v-{v:N}@example.com");
        await Sql("INSERT INTO members (id, project_id, user_id, email, role, added_at) VALUES ($1, $2, $3, $4, 'support', now())",
            Guid.NewGuid(), p, v, $"v-{v:N}@example.com");
        await Sql("""
            INSERT INTO customers (id, project_id, channel, external_id, name, created_at)
            VALUES ($1, $4, 'telegram', 'tg-1', 'Anna', now()), ($2, $4, 'api', 'api-1', 'Boris', now()), ($3, $4, 'max', 'max-1', 'Vera', now())
            """, c1, c2, c3, p);
        const string ticket = """
            INSERT INTO tickets (id, project_id, number, subject, status, priority, type_id, assignee_id, channel, customer_id, created_at, updated_at,
                                 first_reply_at, closed_at, first_reply_due_at, resolve_due_at, first_reply_breached_at, resolve_breached_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17)
            """;
        // T1: telegram, high, Bug, tag vip, U's. Answered after 10 min (due in 1 h: met), closed after 2 h (due in 1 h: breached).
        await Sql(ticket, t1, p, 1L, "=1+2", "closed", "high", type, u, "telegram", c1, T1Created,
            T1Created + 10 * minute, T1Created + 120 * minute, T1Created + 60 * minute, T1Created + 60 * minute, null, T1Created + 60 * minute);
        // T2: api, normal, V's. Answered after 1 h; due in 30 min, breach recorded then. Open.
        await Sql(ticket, t2, p, 2L, "Where is my order", "in_progress", "normal", null, v, "api", c2, T2Created,
            T2Created + 60 * minute, null, T2Created + 30 * minute, T2Created + 2880 * minute, T2Created + 30 * minute, null);
        // T3: max, high, U's. Reopened 1 March 09:00 UTC, closed again at 10:00 UTC: resolved after 13 h 1 min.
        await Sql(ticket, t3, p, 3L, "Refund", "closed", "high", null, u, "max", c3, T3Created,
            null, new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), null, null, null, null);
        // T4: api, normal, created at the first moment after the range.
        await Sql(ticket, t4, p, 4L, "Late", "new", "normal", null, null, "api", c2, T4Created, null, null, null, null, null, null);
        await Sql("INSERT INTO ticket_tags (ticket_id, tag_id, ticket_number) VALUES ($1, $2, 1)", t1, tag);
        // Business hours and CSAT (migration 0033) as the ticket grain stores them. T1: answered 10 min
        // into working time, waited on the customer 30 min (paused), so resolved in 120 - 30 = 90 working
        // minutes; rated 5 with a comment 10 min after its close. T2 was answered at night (00:30-01:30
        // local), outside working hours: 0. T3 ran from Saturday night to Sunday: 0; rated 2 after an
        // earlier close (1 March 08:30 UTC), and the survey of its last close (10:00 UTC) is unanswered.
        const string reportColumns = """
            UPDATE tickets SET first_reply_business_seconds = $2, resolution_business_seconds = $3, sla_paused_seconds = $4,
                               sla_paused_business_seconds = $4, csat_requested_at = $5, csat_score = $6, csat_comment = $7, csat_at = $8
             WHERE id = $1
            """;
        await Sql(reportColumns, t1, 600L, 5400L, 1800L, T1Created + 120 * minute, (short)5, "Fast and kind", T1Created + 130 * minute);
        await Sql(reportColumns, t2, 0L, null, 0L, null, null, null, null);
        await Sql(reportColumns, t3, null, 0L, 0L, new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), (short)2, null,
            new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero));

        const string message = """
            INSERT INTO ticket_messages (id, ticket_id, project_id, author, agent_id, text, created_at, delivery, internal)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'delivered', $8)
            """;
        await Sql(message, m1, t1, p, "customer", null, "help", T1Created, false);
        await Sql(message, r1, t1, p, "agent", u, "on it", T1Created + 10 * minute, false);
        await Sql(message, m2, t2, p, "customer", null, "where", T2Created, false);
        await Sql(message, r2, t2, p, "agent", u, "looking", T2Created + 60 * minute, false);
        await Sql(message, n2, t2, p, "agent", u, "ask the warehouse", T2Created + 61 * minute, true);
        const string credit = """
            INSERT INTO credit_ledger (project_id, at, kind, amount, month, free_after, purchased_after, ticket_id, message_id)
            VALUES ($1, $2, 'reply', -1, '2026-03-01', 99, 0, $3, $4)
            """;
        await Sql(credit, p, T1Created + 10 * minute, t1, r1);
        await Sql(credit, p, T2Created + 60 * minute, t2, r2);
        const string history = """
            INSERT INTO ticket_history (ticket_id, at, actor_kind, actor_id, field, from_value, to_value) VALUES ($1, $2, 'user', $3, $4, $5, $6)
            """;
        await Sql(history, t1, T1Created + 5 * minute, u.ToString(), "assignee_id", null, u.ToString());
        await Sql(history, t2, T2Created + 10 * minute, u.ToString(), "assignee_id", null, v.ToString());
        await Sql(history, t3, new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), u.ToString(), "status", "closed", "in_progress");
        await transaction.CommitAsync();
        return (owner, p, u, v, tag, type);
    }
}
