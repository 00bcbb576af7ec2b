using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Rules;
using Zapnoty.Grains.SlaPolicies;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests.SlaPolicies;

/// <summary>
/// Rules watching the <c>next_reply</c> target, on the silo whose clock the test sets (policies
/// take whole minutes). The clock only moves forward from wherever the collection's other tests
/// left it, so this class may run before or after them.
/// </summary>
[Collection(ClockedCollection.Name)]
public sealed class NextReplyRuleClockTests(ClockedCluster cluster)
{
    private static SettableClock Clock => ClockedCluster.Clock;

    [Fact]
    public async Task A_next_reply_warning_and_breach_rule_fire_once_per_cycle_not_a_minute_early_and_again_for_the_next_unanswered_message()
    {
        var (projectId, owner) = await Project();
        var rules = cluster.Grains.GetGrain<IRulesGrain>(projectId);
        var notify = new RuleAction(RuleActionTypes.Notify, To: RuleRecipients.Role, Role: ProjectRole.Admin);
        await rules.Add(owner, new RuleDraft("Next reply soon", true, new RuleTrigger(RuleTriggers.SlaWarning, SlaBreach.NextReply, 10), RuleConditions.Any, [notify]));
        await rules.Add(owner, new RuleDraft("Next reply missed", true, new RuleTrigger(RuleTriggers.SlaBreached, SlaBreach.NextReply), RuleConditions.Any, [notify]));

        var start = Clock.GetUtcNow().AddMinutes(1);
        Clock.Set(start);
        var ticket = await cluster.Grains.GetGrain<IProjectGrain>(projectId).CreateTicket(new NewTicket(Channel.Api,
            new CustomerIdentity(Guid.NewGuid().ToString("N"), "Customer", null, null), "The export fails", null, null, TicketPriority.Normal, Actor.System));
        var grain = cluster.Grains.GetGrain<ITicketGrain>(ticket.Id);
        Clock.Set(start.AddMinutes(5));
        await grain.Reply(new AgentReply(owner, "Looking into it"));
        Clock.Set(start.AddMinutes(10));
        await grain.AddCustomerMessage(new CustomerMessage("Any news?", PostedBy: owner));
        Assert.Equal(start.AddMinutes(40), (await grain.Summary()).NextReplyDueAt);

        // The warning is due 10 minutes before the next reply is: at +30, not at +29.
        Clock.Set(start.AddMinutes(29));
        await grain.CheckRules();
        Assert.Empty(await Fired(ticket.Id));
        Clock.Set(start.AddMinutes(31));
        await Task.WhenAll(grain.CheckRules(), grain.CheckRules());
        await grain.CheckRules();
        Assert.Equal(["Next reply soon"], await Fired(ticket.Id));

        // Past the due time the breach is recorded, and the breach rule fires once.
        Clock.Set(start.AddMinutes(41));
        await grain.CheckSla();
        await grain.CheckRules();
        await grain.CheckRules();
        Assert.Equal(["Next reply soon", "Next reply missed"], await Fired(ticket.Id));

        // A reply meets the target; the customer's next message starts a new cycle, warned again.
        Clock.Set(start.AddMinutes(45));
        await grain.Reply(new AgentReply(owner, "Fixed now"));
        Clock.Set(start.AddMinutes(50));
        await grain.AddCustomerMessage(new CustomerMessage("Still broken", PostedBy: owner));
        Clock.Set(start.AddMinutes(71));
        await grain.CheckRules();
        Assert.Equal(["Next reply soon", "Next reply missed", "Next reply soon"], await Fired(ticket.Id));
    }

    /// <summary>The rules that fired on the ticket, in order, as its history names them.</summary>
    private async Task<List<string>> Fired(Guid ticketId) =>
        (await cluster.Grains.GetGrain<ITicketGrain>(ticketId).Get()).History.Where(h => h.Field == "rule").Select(h => h.To ?? "").ToList();

    /// <summary>A project of a fresh owner with a 60-minute first reply and a 30-minute next reply target, around the clock.</summary>
    private async Task<(Guid ProjectId, Actor Owner)> Project()
    {
        var (projectId, owner) = await cluster.NewProject("Clocked rules");
        await cluster.Grains.GetGrain<ISlaPolicyGrain>(projectId).Set(owner, [new SlaPolicy(TicketPriority.Normal, null, 60, 30, null, false, false)]);
        return (projectId, owner);
    }
}
