using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Timers;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Rules;

/// <summary>
/// New tickets are created by their project grain, and their ticket grains are not activated
/// until someone works on them: a warning rule due before anyone does would wait for the
/// sweeper. So after the creation commits, each new ticket a rule will be due on gets its rules
/// reminder registered, without activating its grain (as the SLA's near reminders are).
/// </summary>
public static class NewTicketRules
{
    /// <summary>Never throws: the tickets are committed, and a reminder not registered is the rule sweeper's to catch.</summary>
    public static async Task Arm(IServiceProvider services, IGrainFactory grains, Guid projectId, IReadOnlyList<TicketView> tickets)
    {
        try
        {
            var rules = await grains.GetGrain<IRulesGrain>(projectId).List();
            if (rules.Count == 0) return;
            var reminders = services.GetRequiredService<IReminderRegistry>();
            var period = services.GetRequiredService<IOptions<SlaOptions>>().Value.ReminderPeriod;
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            foreach (var ticket in tickets)
            {
                if (rules.Select(r => RuleMoments.Of(r, ticket, [])?.At).Min() is not { } due) continue;
                var wait = due - now;
                await reminders.RegisterOrUpdateReminder(grains.GetGrain<ITicketGrain>(ticket.Id).GetGrainId(), TicketGrain.RulesReminder,
                    wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1), period);
            }
        }
        catch (Exception e)
        {
            services.GetRequiredService<ILogger<RuleSweeper>>().LogWarning(e,
                "Rules reminders of {Count} new tickets of project {ProjectId} not registered; the rule sweeper catches up", tickets.Count, projectId);
        }
    }
}
