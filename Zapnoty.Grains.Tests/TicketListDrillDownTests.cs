using System.Net;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The ticket list's filters a report's drill-down needs (issue 20): by channel and by a range of
/// creation times, on the list and on its counts, validated like every other filter.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketListDrillDownTests(ClusterFixture cluster)
{
    [Fact]
    public async Task The_list_and_its_counts_filter_by_channel_and_by_a_range_of_creation_times()
    {
        var owner = await cluster.Api().LogInAs();
        var p = await owner.CreateProject();
        await owner.CreateTicket(p, "one", "c1");
        await owner.CreateTicket(p, "two", "c2");
        await SqlTickets.Insert(cluster.Database, p, 1000, "telegram", new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        async Task<long[]> Numbers(string query) =>
            (await owner.Get($"/v1/projects/{p}/helpdesk/tickets?{query}")).GetProperty("items").EnumerateArray()
                .Select(t => t.GetProperty("number").GetInt64()).ToArray();

        Assert.Equal(new[] { 2L, 1L }, await Numbers("channel=api"));
        Assert.Equal(new[] { 1000L }, await Numbers("channel=telegram"));
        Assert.Equal(new[] { 1000L }, await Numbers("created_from=2026-03-01T12:00:00Z&created_to=2026-03-01T12:00:01Z"));
        Assert.Empty(await Numbers("created_from=2026-03-01T11:00:00Z&created_to=2026-03-01T12:00:00Z"));   // the end is excluded
        Assert.Equal(new[] { 1000L }, await Numbers("created_from=2026-03-01T15:00:00%2B03:00&created_to=2026-03-01T16:00:00%2B03:00"));
        var today = DateTime.UtcNow.Date;
        Assert.Equal(new[] { 2L, 1L }, await Numbers($"channel=api&created_from={today.AddDays(-1):yyyy-MM-dd}T00:00:00Z&created_to={today.AddDays(2):yyyy-MM-dd}T00:00:00Z"));
        var counts = await owner.Get($"/v1/projects/{p}/helpdesk/tickets/counts?channel=telegram&created_to=2026-03-02T00:00:00Z");
        Assert.Equal(1, counts.GetProperty("new").GetInt32());
    }

    [Theory]
    [InlineData("channel=fax", "channel")]
    [InlineData("channel=tele%00gram", "channel")]
    [InlineData("created_from=2026-03-01T00:00:00Z%00", "created_from")]
    [InlineData("created_from=2026-03-01", "created_from")]
    [InlineData("created_to=2026-03-01T00:00:00", "created_to")]
    [InlineData("created_from=2026-03-02T00:00:00Z&created_to=2026-03-01T00:00:00Z", "created_from")]
    public async Task A_malformed_channel_or_creation_time_is_refused_with_a_problem_naming_the_field(string query, string field)
    {
        var owner = await cluster.Api().LogInAs();
        var p = await owner.CreateProject();
        foreach (var path in new[] { "helpdesk/tickets", "helpdesk/tickets/counts" })
        {
            using var response = await owner.Send(HttpMethod.Get, $"/v1/projects/{p}/{path}?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(field, await response.Content.ReadAsStringAsync());
        }
    }
}
