using Microsoft.Playwright;
using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>The counts the Support tab's filters show: open tickets per assignee, and a capped figure as "1,000+".</summary>
[Collection(ClusterCollection.Name)]
public sealed class TicketCountsDashboardTests(ClusterFixture cluster, BrowserFixture browser)
{
    [Fact]
    public async Task The_assignee_filter_shows_open_tickets_of_mine_and_unassigned_and_a_capped_tab_shows_1000_plus()
    {
        var desk = await SupportDesk.Open(cluster);
        var (mine, _) = await desk.ApiTicket("Refund please");
        var (other, _) = await desk.ApiTicket("Where is my parcel?");
        await desk.ApiTicket("Invoice needed");
        var me = (await desk.Owner.Get("/v1/auth/me")).GetProperty("id").GetGuid();
        await desk.Owner.Patch($"/v1/helpdesk/tickets/{mine}", new { assignee_id = me });
        var customer = (await desk.Owner.Get($"/v1/helpdesk/tickets/{other}")).GetProperty("customer").GetProperty("id").GetGuid();
        await using (var history = cluster.Database.CreateCommand("""
            INSERT INTO tickets (id, project_id, number, subject, status, priority, channel, customer_id, created_at, updated_at, closed_at)
            SELECT gen_random_uuid(), $1, 100 + n, 'old', 'closed', 'low', 'api', $2, now(), now(), now() FROM generate_series(1, 1005) n
            """))
        {
            history.Parameters.Add(new NpgsqlParameter { Value = desk.ProjectId });
            history.Parameters.Add(new NpgsqlParameter { Value = customer });
            await history.ExecuteNonQueryAsync();
        }

        await using var dashboard = await browser.NewPage(cluster.Silos[0].BaseAddress!);
        var page = dashboard.Page;
        await dashboard.OpenSupport(desk.Owner, desk.ProjectId);
        await Expect(page.Locator(".status-tabs button[data-status='closed'] .count")).ToHaveTextAsync("1,005");
        var assignee = page.GetByLabel("Assignee");
        await Expect(assignee.Locator("option[value='me']")).ToHaveTextAsync("Mine (1)");
        await Expect(assignee.Locator("option[value='none']")).ToHaveTextAsync("Unassigned (2)");

        // Under a priority filter the closed history is counted only up to 1,000.
        await page.GetByLabel("Priority").SelectOptionAsync("low");
        await Expect(page.Locator(".status-tabs button[data-status='closed'] .count")).ToHaveTextAsync("1,000+");
        await Expect(page.Locator(".status-tabs button[aria-pressed='true'] .count")).ToHaveTextAsync("1,000+");
        Assert.Empty(dashboard.ScriptErrors);
    }
}
