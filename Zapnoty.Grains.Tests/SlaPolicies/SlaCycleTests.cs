using Zapnoty.Grains.Projects;
using Zapnoty.Grains.SlaPolicies;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests.SlaPolicies;

/// <summary>The SLA state transitions on their own: pure functions of a ticket, a clock and a moment.</summary>
public sealed class SlaCycleTests
{
    private static readonly DateTimeOffset Created = DateTimeOffset.Parse("2027-02-01T09:00:00Z");
    private static readonly SlaClock RealTime = new(null);
    private static readonly HelpdeskSettings NoSettings = new(null, null);

    private static SlaPolicy Policy(TicketPriority priority, int? resolve, bool pause = false) =>
        new(priority, null, null, null, resolve, BusinessHours: false, PauseWhileWaiting: pause);

    private static TicketView Ticket(SlaPolicy policy) => new(
        Guid.NewGuid(), Guid.NewGuid(), 1, "Subject", TicketStatus.InProgress, policy.Priority, null, null, null, Channel.Api,
        new CustomerView(Guid.NewGuid(), "c-1", null, null, null), Created, Created, FirstReplyAt: null, ClosedAt: null,
        FirstReplyDueAt: null, ResolveDueAt: RealTime.AddMinutes(Created, policy.ResolveMinutes), Version: 1, SlaPolicy: policy);

    [Fact]
    public void After_a_reopen_a_priority_change_counts_the_resolution_time_used_since_the_reopen()
    {
        var normal = Policy(TicketPriority.Normal, resolve: 480);
        var reopenedAt = Created.AddHours(10);
        var reopened = SlaCycle.Reopened(Ticket(normal), normal, RealTime, reopenedAt);
        Assert.Equal(reopenedAt.AddMinutes(480), reopened.ResolveDueAt);

        var raised = SlaCycle.Recompute(reopened with { Priority = TicketPriority.High }, Policy(TicketPriority.High, resolve: 120), RealTime, RealTime,
            NoSettings, reopenedAt.AddMinutes(60));
        Assert.Equal(reopenedAt.AddMinutes(120), raised.ResolveDueAt);
    }

    [Fact]
    public void A_ticket_that_used_more_than_the_new_target_is_due_at_once_not_in_the_past()
    {
        var normal = Policy(TicketPriority.Normal, resolve: 480);
        var now = Created.AddMinutes(300);
        var raised = SlaCycle.Recompute(Ticket(normal), Policy(TicketPriority.Urgent, resolve: 60), RealTime, RealTime, NoSettings, now);
        Assert.Equal(now, raised.ResolveDueAt);
    }

    [Fact]
    public void A_resolution_target_already_past_is_not_paused_and_stays_due()
    {
        var policy = Policy(TicketPriority.Normal, resolve: 60, pause: true);
        var late = Ticket(policy) with { Status = TicketStatus.Waiting };
        var paused = SlaCycle.Pause(late, RealTime, Created.AddMinutes(61));
        Assert.Null(paused.PausedAt);
        Assert.Equal(Created.AddMinutes(60), paused.ResolveDueAt);
        Assert.Equal([SlaBreach.Resolution], Sla.DueBreaches(paused, Created.AddMinutes(61)));
    }

    [Fact]
    public void A_paused_target_has_no_due_time_so_nothing_can_breach_and_no_reminder_is_armed_for_it()
    {
        var policy = Policy(TicketPriority.Normal, resolve: 60, pause: true);
        var paused = SlaCycle.Pause(Ticket(policy) with { Status = TicketStatus.Waiting }, RealTime, Created.AddMinutes(20));
        Assert.Equal(TimeSpan.FromMinutes(40), paused.ResolveLeft);
        Assert.Empty(Sla.DueBreaches(paused, Created.AddDays(30)));
        Assert.Null(Sla.NextDue(paused));
    }
}
