using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Search at a project with 20,000 tickets beside another one as large: every statement a search
/// runs goes through an index and touches a bounded number of rows, whatever the project's size.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SearchPlanTests(ClusterFixture cluster)
{
    private const int Tickets = 20_000, Bound = 1_000;

    [Fact]
    public async Task Searches_by_number_rare_word_customer_name_and_common_word_read_through_indexes_and_touch_few_rows()
    {
        var agent = await cluster.Api().LogInAs();
        var project = await agent.CreateProject();
        var neighbour = await agent.CreateProject();
        await ScaleData.Load(cluster.Database, [project], Tickets, 0, 0, rareNumber: 15_000);
        await ScaleData.Load(cluster.Database, [neighbour], Tickets, 0, 0, rareNumber: 15_000);
        foreach (var table in new[] { "tickets", "customers", "ticket_messages" })
            await using (var analyze = cluster.Database.CreateCommand($"ANALYZE {table}")) await analyze.ExecuteNonQueryAsync();

        var now = DateTimeOffset.UtcNow;
        TicketFilter Filter(string q) => new(project, Search: TicketSearch.Parse(q, out _), Limit: 51);

        // The number: one lookup in the (project_id, number) index.
        var byNumber = await Plan(TicketList.PlaceQuery(Filter("#15000"), SearchRank.Number, null, 51, now, null));
        Assert.Contains("tickets_number_unique", byNumber.Indexes);
        Assert.True(byNumber.WidestOn("tickets") <= 1, byNumber.ToString());

        // A word in one message, and a customer's name: their places' indexes, then a handful of tickets.
        foreach (var (q, rank, index) in new[]
                 {
                     ("xylophone", SearchRank.Message, "ticket_messages_words"), ("Customer 1234", SearchRank.Customer, "customers_name_words"),
                     ("Customer 1234", SearchRank.CustomerPart, "customers_name_substrings"), ("ORD-1234", SearchRank.SubjectPart, "tickets_subject_substrings"),
                 })
        {
            var candidates = await Plan(TicketList.CandidateQuery(Filter(q), rank)!);
            Assert.True(candidates.Indexes.Contains(index), $"{q}: {candidates}");
            Assert.True(candidates.WidestRows <= Bound, $"{q}: {candidates}");
            var ids = await Candidates(Filter(q), rank);
            Assert.NotNull(ids);
            var page = await Plan(TicketList.PlaceQuery(Filter(q), rank, null, 51, now, ids));
            Assert.True(page.WidestRows <= Bound, $"{q}: {page}");
        }
        Assert.Equal(15_000, (await Found(Filter("xylophone"))).Single().Ticket.Number);

        // At a million messages the planner estimates a word it has no statistics of at thousands of
        // rows (half the rarest common word's frequency) and the search walked the whole project for
        // one match. A word missing from ANALYZE's common words is read through its index instead.
        Assert.True(await UnknownWord(Filter("xylophone"), SearchRank.Message));
        Assert.True(await UnknownWord(Filter("Customer 1234"), SearchRank.Customer));
        Assert.False(await UnknownWord(Filter("refund"), SearchRank.Message));
        Assert.False(await UnknownWord(Filter("refund or xylophone"), SearchRank.Message));
        Assert.False(await UnknownWord(Filter("refund -xylophone"), SearchRank.Message));
        var throughIndex = await Plan(TicketList.CandidateQuery(Filter("xylophone"), SearchRank.Message, throughIndex: true)!);
        Assert.True(throughIndex.Indexes.Contains("ticket_messages_words"), throughIndex.ToString());
        Assert.True(throughIndex.WidestRows <= Bound, throughIndex.ToString());

        // A word in thousands of messages is walked newest first and stops at the page.
        Assert.Null(await Candidates(Filter("refund"), SearchRank.Message));
        var common = await Plan(TicketList.PlaceQuery(Filter("refund"), SearchRank.Message, null, 51, now, null));
        Assert.True(common.WidestRows <= Bound, common.ToString());
        Assert.Equal(51, (await Found(Filter("refund"))).Count);
        Assert.All(await Found(Filter("Customer 1234")), hit => Assert.Equal(project, hit.Ticket.ProjectId));
    }

    private async Task<IReadOnlyList<SearchHit>> Found(TicketFilter filter) =>
        await new TicketList(cluster.Database).Search(filter, null, DateTimeOffset.UtcNow, CancellationToken.None);

    private async Task<Guid[]?> Candidates(TicketFilter filter, SearchRank rank)
    {
        await using var connection = await cluster.Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand { Connection = connection };
        return await TicketList.CandidatesOf(command, filter, rank, CancellationToken.None);
    }

    private async Task<bool> UnknownWord(TicketFilter filter, SearchRank rank)
    {
        await using var connection = await cluster.Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand { Connection = connection };
        return await TicketList.HasWordTheStatisticsDoNotKnow(command, rank, filter.Search!, CancellationToken.None);
    }

    private Task<QueryPlan> Plan(NpgsqlCommand statement) =>
        QueryPlan.Analyze(cluster.Database, statement.CommandText, statement.Parameters.Select(p => p.Clone()));
}
