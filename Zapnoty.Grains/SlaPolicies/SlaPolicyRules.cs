using Zapnoty.Grains.Projects;

namespace Zapnoty.Grains.SlaPolicies;

/// <summary>
/// Checks a list of policies as a whole and returns it in one canonical order (priority, then
/// the policy of the priority alone before those of its types). Every refusal is a 422 naming
/// the field by its index in the list, so a form can point at the row.
/// </summary>
public static class SlaPolicyRules
{
    public static IReadOnlyList<SlaPolicy> Normalize(IReadOnlyList<SlaPolicy> policies, IReadOnlyList<TicketTypeView> types)
    {
        if (policies.Count > SlaPolicyLimits.MaxPolicies)
            throw DomainException.Unprocessable($"At most {SlaPolicyLimits.MaxPolicies} policies: one per priority and per priority and ticket type.", "policies");
        var seen = new HashSet<(Tickets.TicketPriority, Guid?)>();
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            if (policy.TypeId is { } typeId && types.All(t => t.Id != typeId))
                throw DomainException.Unprocessable($"Ticket type {typeId} does not exist in this project.", $"policies[{i}].type_id");
            if (!seen.Add((policy.Priority, policy.TypeId)))
                throw DomainException.Unprocessable(
                    $"A policy for priority {policy.Priority.Wire()}{(policy.TypeId is { } t ? $" and type {t}" : "")} is given twice; give each at most once.",
                    $"policies[{i}]");
            Minutes(policy.FirstReplyMinutes, $"policies[{i}].first_reply_minutes");
            Minutes(policy.NextReplyMinutes, $"policies[{i}].next_reply_minutes");
            Minutes(policy.ResolveMinutes, $"policies[{i}].resolve_minutes");
        }
        return policies.OrderBy(p => p.Priority).ThenBy(p => p.TypeId is not null).ThenBy(p => p.TypeId).ToList();
    }

    private static void Minutes(int? minutes, string field)
    {
        if (minutes is { } m && (m < 1 || m > SlaPolicyLimits.MaxMinutes))
            throw DomainException.Unprocessable($"A target is 1 to {SlaPolicyLimits.MaxMinutes} minutes (ten years), or null for none; got {m}.", field);
    }
}
