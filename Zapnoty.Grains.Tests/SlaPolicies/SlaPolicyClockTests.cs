using NodaTime;
using NodaTime.Text;
using Zapnoty.Grains.Calendars;
using Zapnoty.Grains.Csat;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Reports;
using Zapnoty.Grains.SlaPolicies;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests.SlaPolicies;

/// <summary>
/// SLA policies on a silo whose clock the test sets: due times in business hours (weekends,
/// holidays, DST), the next-reply cycle, the pause while waiting, a priority change, and
/// breaches recorded once when the clock passes the due time — asked of the grains directly.
/// </summary>
[Collection(ClockedCollection.Name)]
[TestCaseOrderer(ClockStepOrderer.TypeName, ClockStepOrderer.AssemblyName)]
public sealed class SlaPolicyClockTests(ClockedCluster cluster)
{
    private const string Moscow = "Europe/Moscow";
    private const string Berlin = "Europe/Berlin";
    private static readonly string[] Weekdays = ["mon", "tue", "wed", "thu", "fri"];
    private static readonly string[] EveryDay = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    private static SettableClock Clock => ClockedCluster.Clock;

    [Fact, ClockStep(1)]
    public async Task A_ticket_created_Friday_at_17_55_with_a_one_business_hour_target_is_due_Monday_at_09_55()
    {
        var (projectId, _) = await Project(Calendar(Moscow), Policy(TicketPriority.Normal, firstReply: 60, businessHours: true));
        // 2027-01-08 is a Friday.
        Clock.Set(Local(Moscow, "2027-01-08T17:55:00"));
        var ticket = await Create(projectId);

        Assert.Equal(Local(Moscow, "2027-01-11T09:55:00"), ticket.FirstReplyDueAt);
        Assert.Equal(TicketPriority.Normal, ticket.SlaPolicy?.Priority);
        // As stored: a fresh read of the row answers the same instant.
        Assert.Equal(ticket.FirstReplyDueAt, (await Reloaded(ticket.Id)).FirstReplyDueAt);
    }

    [Fact, ClockStep(2)]
    public async Task A_holiday_on_the_Monday_moves_the_due_time_to_Tuesday()
    {
        var (projectId, _) = await Project(Calendar(Moscow, holidays: ["2027-01-11"]), Policy(TicketPriority.Normal, firstReply: 60, businessHours: true));
        Clock.Set(Local(Moscow, "2027-01-08T17:55:00"));
        Assert.Equal(Local(Moscow, "2027-01-12T09:55:00"), (await Create(projectId)).FirstReplyDueAt);
    }

    [Fact, ClockStep(8)]
    public async Task Across_a_DST_night_business_time_counts_the_real_hours_that_pass()
    {
        // Office hours: Friday 17:00 (UTC+1) plus two business hours is Monday 10:00 (UTC+2), 08:00 UTC.
        var (office, _) = await Project(Calendar(Berlin), Policy(TicketPriority.Normal, firstReply: 120, businessHours: true));
        Clock.Set(Local(Berlin, "2027-03-26T17:00:00"));
        var weekend = await Create(office);
        Assert.Equal(DateTimeOffset.Parse("2027-03-29T08:00:00Z"), weekend.FirstReplyDueAt);

        // Berlin skips 02:00–03:00 on Sunday 2027-03-28. Around the clock every day: one business
        // hour from 01:30 ends at 03:30 on the wall clock, one real hour later.
        var (allWeek, _) = await Project(Calendar(Berlin, days: EveryDay, start: "00:00", end: "24:00"),
            Policy(TicketPriority.Normal, firstReply: 60, businessHours: true));
        Clock.Set(Local(Berlin, "2027-03-28T01:30:00"));
        var night = await Create(allWeek);
        Assert.Equal(Local(Berlin, "2027-03-28T03:30:00"), night.FirstReplyDueAt);
        Assert.Equal(TimeSpan.FromHours(1), night.FirstReplyDueAt - night.CreatedAt);
    }

    [Fact, ClockStep(3)]
    public async Task A_missed_business_hours_target_is_recorded_once_when_the_clock_passes_it_and_not_a_minute_early()
    {
        var (projectId, _) = await Project(Calendar(Moscow), Policy(TicketPriority.Normal, firstReply: 60, businessHours: true));
        Clock.Set(Local(Moscow, "2027-01-08T17:55:00"));
        var ticket = await Create(projectId);
        var grain = cluster.Grains.GetGrain<ITicketGrain>(ticket.Id);

        // The whole weekend passes: nothing is due before Monday 09:55.
        Clock.Set(Local(Moscow, "2027-01-11T09:54:00"));
        await grain.CheckSla();
        Assert.Null((await grain.Summary()).FirstReplyBreachedAt);

        Clock.Set(Local(Moscow, "2027-01-11T09:56:00"));
        await Task.WhenAll(grain.CheckSla(), grain.CheckSla());
        await grain.CheckSla();
        Assert.Equal(new[] { SlaBreach.FirstReply }, await Breaches(ticket.Id));
    }

    [Fact, ClockStep(4)]
    public async Task Waiting_on_the_customer_stops_the_resolution_clock_and_their_message_or_an_agent_starts_it_again()
    {
        var (projectId, owner) = await Project(Calendar(Moscow),
            Policy(TicketPriority.Normal, resolve: 240, businessHours: true, pauseWhileWaiting: true));
        Clock.Set(Local(Moscow, "2027-01-11T10:00:00"));   // a Monday
        var ticket = await Create(projectId);
        Assert.Equal(Local(Moscow, "2027-01-11T14:00:00"), ticket.ResolveDueAt);
        var grain = cluster.Grains.GetGrain<ITicketGrain>(ticket.Id);

        Clock.Set(Local(Moscow, "2027-01-11T11:00:00"));
        var waiting = await grain.Edit(new TicketEdit(owner, Status: TicketStatus.Waiting));
        Assert.Null(waiting.ResolveDueAt);
        Assert.NotNull(waiting.PausedAt);
        Assert.Equal(TimeSpan.FromHours(3), waiting.ResolveLeft);

        // A day later the target would be long past; paused, it cannot breach.
        Clock.Set(Local(Moscow, "2027-01-12T10:00:00"));
        await grain.CheckSla();
        Assert.Empty(await Breaches(ticket.Id));

        // The customer writes: three business hours are left from now, and the pause is recorded.
        await grain.AddCustomerMessage(new CustomerMessage("Here is the log you asked for", PostedBy: owner));
        var resumed = await Reloaded(ticket.Id);
        Assert.Equal(TicketStatus.InProgress, resumed.Status);
        Assert.Null(resumed.PausedAt);
        Assert.Equal(Local(Moscow, "2027-01-12T13:00:00"), resumed.ResolveDueAt);
        Assert.Equal(23 * 3600, resumed.PausedSeconds);

        // Paused again for an hour, resumed by an agent moving it out of waiting.
        Clock.Set(Local(Moscow, "2027-01-12T11:00:00"));
        await grain.Edit(new TicketEdit(owner, Status: TicketStatus.Waiting));
        Clock.Set(Local(Moscow, "2027-01-12T12:00:00"));
        var again = await grain.Edit(new TicketEdit(owner, Status: TicketStatus.InProgress));
        Assert.Equal(Local(Moscow, "2027-01-12T14:00:00"), again.ResolveDueAt);
        Assert.Equal(24 * 3600, again.PausedSeconds);
        Assert.Equal(again.ResolveDueAt, (await Reloaded(ticket.Id)).ResolveDueAt);
    }

    [Fact, ClockStep(5)]
    public async Task A_priority_change_recomputes_the_due_times_under_the_new_policy_and_the_history_says_so()
    {
        var (projectId, owner) = await Project(null,
            Policy(TicketPriority.Normal, firstReply: 240, resolve: 480),
            Policy(TicketPriority.High, firstReply: 60, resolve: 120));
        var created = DateTimeOffset.Parse("2027-02-01T09:00:00Z");
        Clock.Set(created);
        var ticket = await Create(projectId);
        Assert.Equal(created.AddMinutes(240), ticket.FirstReplyDueAt);

        Clock.Set(created.AddMinutes(30));
        var raised = await cluster.Grains.GetGrain<ITicketGrain>(ticket.Id).Edit(new TicketEdit(owner, Priority: TicketPriority.High));
        // From the ticket's start points: the creation for both targets.
        Assert.Equal(created.AddMinutes(60), raised.FirstReplyDueAt);
        Assert.Equal(created.AddMinutes(120), raised.ResolveDueAt);
        Assert.Equal(TicketPriority.High, raised.SlaPolicy?.Priority);

        var history = (await cluster.Grains.GetGrain<ITicketGrain>(ticket.Id).Get()).History;
        var entry = Assert.Single(history, h => h.Field == TicketGrain.SlaRecomputed);
        Assert.Equal(("normal", "high"), (entry.From, entry.To));
        Assert.Equal(raised.ResolveDueAt, (await Reloaded(ticket.Id)).ResolveDueAt);
    }

    [Fact, ClockStep(6)]
    public async Task The_policy_of_a_priority_and_a_ticket_type_wins_over_the_priority_alone()
    {
        var (projectId, owner) = await Project(null);
        var billing = await cluster.Grains.GetGrain<IProjectGrain>(projectId).AddTicketType(owner, "Billing");
        await cluster.Grains.GetGrain<ISlaPolicyGrain>(projectId).Set(owner,
            [Policy(TicketPriority.High, firstReply: 60), Policy(TicketPriority.High, firstReply: 15) with { TypeId = billing.Id }]);
        var now = DateTimeOffset.Parse("2027-02-02T09:00:00Z");
        Clock.Set(now);

        Assert.Equal(now.AddMinutes(15), (await Create(projectId, TicketPriority.High, billing.Id)).FirstReplyDueAt);
        Assert.Equal(now.AddMinutes(60), (await Create(projectId, TicketPriority.High)).FirstReplyDueAt);
        // No policy for this priority: the project settings apply (none set here), and no policy is named.
        var low = await Create(projectId, TicketPriority.Low);
        Assert.Null(low.FirstReplyDueAt);
        Assert.Null(low.SlaPolicy);
    }

    [Fact, ClockStep(7)]
    public async Task Next_reply_is_due_from_the_first_unanswered_customer_message_met_by_a_reply_not_a_note_and_breached_once()
    {
        var (projectId, owner) = await Project(null, Policy(TicketPriority.Normal, firstReply: 60, nextReply: 30));
        var start = DateTimeOffset.Parse("2027-02-03T09:00:00Z");
        Clock.Set(start);
        var ticket = await Create(projectId);
        var grain = cluster.Grains.GetGrain<ITicketGrain>(ticket.Id);

        Clock.Set(start.AddMinutes(10));
        await grain.Reply(new AgentReply(owner, "Hello, looking into it"));
        Clock.Set(start.AddMinutes(20));
        await grain.AddCustomerMessage(new CustomerMessage("Any news?", PostedBy: owner));
        Assert.Equal(start.AddMinutes(50), (await grain.Summary()).NextReplyDueAt);
        Clock.Set(start.AddMinutes(25));
        await grain.AddCustomerMessage(new CustomerMessage("Hello?", PostedBy: owner));
        Clock.Set(start.AddMinutes(30));
        await grain.Note(new AgentNote(owner, "Asked the billing team"));
        Assert.Equal(start.AddMinutes(50), (await grain.Summary()).NextReplyDueAt);

        Clock.Set(start.AddMinutes(40));
        await grain.Reply(new AgentReply(owner, "Fixed"));
        Assert.Null((await grain.Summary()).NextReplyDueAt);

        Clock.Set(start.AddMinutes(60));
        await grain.AddCustomerMessage(new CustomerMessage("It broke again", PostedBy: owner));
        Assert.Equal(start.AddMinutes(90), (await Reloaded(ticket.Id)).NextReplyDueAt);

        Clock.Set(start.AddMinutes(89));
        await grain.CheckSla();
        Assert.Empty(await Breaches(ticket.Id));
        Clock.Set(start.AddMinutes(91));
        await Task.WhenAll(grain.CheckSla(), grain.CheckSla());
        await grain.CheckSla();
        Assert.Equal(new[] { SlaBreach.NextReply }, await Breaches(ticket.Id));
        Assert.NotNull((await Reloaded(ticket.Id)).NextReplyBreachedAt);
    }

    [Fact, ClockStep(9)]
    public async Task Reports_count_first_response_and_resolution_in_business_hours_across_a_weekend_and_a_night_less_the_paused_time()
    {
        // Moscow office hours, Monday to Friday 09:00-18:00; resolution pauses while waiting. 2027-04-02 is a Friday.
        var (projectId, owner) = await Project(Calendar(Moscow), Policy(TicketPriority.Normal, resolve: 600, businessHours: true, pauseWhileWaiting: true));
        await cluster.Grains.GetGrain<ICsatSettingsGrain>(projectId).Set(owner, CsatSettings.Default with { Enabled = true });
        Clock.Set(Local(Moscow, "2027-04-02T17:00:00"));
        var weekend = await Create(projectId);
        var a = cluster.Grains.GetGrain<ITicketGrain>(weekend.Id);
        // Answered Monday 10:00: 65 hours later, 2 working hours (Friday 17-18, Monday 9-10).
        Clock.Set(Local(Moscow, "2027-04-05T10:00:00"));
        await a.Reply(new AgentReply(owner, "Looking into it"));
        Clock.Set(Local(Moscow, "2027-04-05T11:00:00"));
        await a.Edit(new TicketEdit(owner, Status: TicketStatus.Waiting));
        // Created Monday 17:30, answered Tuesday 09:30: 16 hours later, across the night 1 working hour.
        Clock.Set(Local(Moscow, "2027-04-05T17:30:00"));
        var night = await Create(projectId);
        Clock.Set(Local(Moscow, "2027-04-06T09:30:00"));
        await cluster.Grains.GetGrain<ITicketGrain>(night.Id).Reply(new AgentReply(owner, "Good morning"));
        // The customer writes Tuesday 10:00: paused 23 hours, 8 of them working (Monday 11-18, Tuesday 9-10).
        Clock.Set(Local(Moscow, "2027-04-06T10:00:00"));
        await a.AddCustomerMessage(new CustomerMessage("Here is the log", PostedBy: owner));
        // Closed Tuesday 12:00: 91 hours after creation; 13 working hours (1 + 9 + 3) less the 8 paused: 5.
        Clock.Set(Local(Moscow, "2027-04-06T12:00:00"));
        await a.Edit(new TicketEdit(owner, Status: TicketStatus.Closed));
        Clock.Set(Local(Moscow, "2027-04-06T12:30:00"));
        await cluster.Grains.GetGrain<ITicketCsatGrain>(weekend.Id).Rate(new CsatRating(owner, 4, "Quick, thanks"));

        var stored = await Reloaded(weekend.Id);
        Assert.Equal((7200L, 28800L, 18000L, 23L * 3600), (stored.FirstReplyBusinessSeconds, stored.PausedBusinessSeconds,
            stored.ResolutionBusinessSeconds, stored.PausedSeconds));
        Assert.Equal(3600L, (await Reloaded(night.Id)).FirstReplyBusinessSeconds);

        var report = await new ReportStore(cluster.Database).Read(projectId, new ReportRange(new DateOnly(2027, 4, 1), new DateOnly(2027, 4, 7)),
            ReportGrouping.Total, CancellationToken.None);
        var f = Assert.Single(report.Groups).Figures;
        Assert.Equal((2L, 145800L), (f.FirstResponse.Count, f.FirstResponse.AverageSeconds!.Value));           // (234,000 + 57,600) / 2
        Assert.Equal((2L, 5400L), (f.FirstResponseBusiness.Count, f.FirstResponseBusiness.AverageSeconds!.Value)); // (7,200 + 3,600) / 2
        Assert.Equal((1L, 327600L), (f.Resolution.Count, f.Resolution.AverageSeconds!.Value));
        Assert.Equal((1L, 18000L), (f.ResolutionBusiness.Count, f.ResolutionBusiness.AverageSeconds!.Value));
        Assert.Equal((1L, 1L, 1L, 1L, 4.0, 1.0), (f.Csat.Requested, f.Csat.Answered, f.Csat.Of(4), f.Csat.Comments, f.Csat.AverageScore!.Value,
            f.Csat.ResponseRate!.Value));
        await ReportRecount.AssertRollupsEqualRecount(cluster.Database, projectId);
    }

    private static SlaPolicy Policy(TicketPriority priority, int? firstReply = null, int? nextReply = null, int? resolve = null,
        bool businessHours = false, bool pauseWhileWaiting = false) =>
        new(priority, null, firstReply, nextReply, resolve, businessHours, pauseWhileWaiting);

    private static ProjectCalendar Calendar(string zone, string[]? holidays = null, string[]? days = null, string start = "09:00", string end = "18:00") =>
        new(zone, (days ?? Weekdays).Select(d => new WorkPeriod(d, start, end)).ToList(), [.. holidays ?? []], [], null);

    private static DateTimeOffset Local(string zone, string local) =>
        LocalDateTimePattern.GeneralIso.Parse(local).Value.InZoneStrictly(DateTimeZoneProviders.Tzdb[zone]).ToDateTimeOffset();

    /// <summary>A project of a fresh owner, with the calendar and the policies given.</summary>
    private async Task<(Guid ProjectId, Actor Owner)> Project(ProjectCalendar? calendar, params SlaPolicy[] policies)
    {
        var userId = Guid.NewGuid();
        var email = $"{userId:N}@example.com";
        await using (var insert = cluster.Database.CreateCommand("INSERT INTO users (id, email) VALUES ($1, $2)"))
        {
            insert.Parameters.Add(new() { Value = userId });
            insert.Parameters.Add(new() { Value = email });
            await insert.ExecuteNonQueryAsync();
        }
        var projectId = Guid.NewGuid();
        await cluster.Grains.GetGrain<IProjectGrain>(projectId).Create(new CreateProject("Clocked", $"clocked-{userId:N}", userId, email));
        var owner = Actor.User(userId);
        if (calendar is not null) await cluster.Grains.GetGrain<IProjectCalendarGrain>(projectId).Set(owner, calendar);
        if (policies.Length > 0) await cluster.Grains.GetGrain<ISlaPolicyGrain>(projectId).Set(owner, policies);
        return (projectId, owner);
    }

    private Task<TicketView> Create(Guid projectId, TicketPriority priority = TicketPriority.Normal, Guid? typeId = null) =>
        cluster.Grains.GetGrain<IProjectGrain>(projectId).CreateTicket(new NewTicket(Channel.Api,
            new CustomerIdentity(Guid.NewGuid().ToString("N"), "Customer", null, null), "The export fails", null, typeId, priority, Actor.System));

    /// <summary>The ticket as stored, read past the grain's memory.</summary>
    private async Task<TicketView> Reloaded(Guid ticketId)
    {
        await using var command = cluster.Database.CreateCommand(TicketRows.SelectFrom + " WHERE t.id = $1");
        command.Parameters.Add(new() { Value = ticketId });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return TicketRows.Read(reader);
    }

    private async Task<List<string>> Breaches(Guid ticketId) =>
        (await cluster.Grains.GetGrain<ITicketGrain>(ticketId).Get()).History.Where(h => h.Field == "sla_breached").Select(h => h.To ?? "").ToList();
}
