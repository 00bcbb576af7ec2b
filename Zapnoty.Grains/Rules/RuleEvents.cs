using System.Text.Json;
using System.Text.Json.Nodes;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Rules;

/// <summary><c>sla_warning</c> of a <c>ticket.sla_warning</c> event: the target and when it falls due.</summary>
public sealed record SlaWarningDto(string Target, DateTime DueAt, decimal MinutesBefore);

/// <summary>The rule that acted, in the events of its firing.</summary>
public sealed record RuleRefDto(Guid Id, string Name);

/// <summary>The webhook events of a rule's firing.</summary>
public static class RuleEvents
{
    /// <summary><c>ticket.sla_warning</c>: the ticket, and the target that is about to be missed.</summary>
    public static TicketEvent Warning(TicketView ticket, DateTimeOffset at, TeamDirectory team, RuleView rule, RuleMoment moment)
    {
        var data = new Dictionary<string, object>
        {
            ["ticket"] = TicketDto.From(ticket, at, team),
            ["sla_warning"] = new SlaWarningDto(moment.Target!, moment.DueAt!.Value.UtcDateTime, rule.Trigger.Minutes ?? 0),
        };
        return new TicketEvent(Guid.NewGuid(), ticket.Id, TicketEventTypes.SlaWarning, at, null, JsonSerializer.Serialize(data, WireJson.Options));
    }

    /// <summary>Every event of the firing says which rule made it (<c>rule: { id, name }</c>), beside what it usually carries.</summary>
    public static List<TicketEvent> Tagged(IEnumerable<TicketEvent> events, RuleView rule) =>
        events.Select(e =>
        {
            var data = JsonNode.Parse(e.Data)!.AsObject();
            data["rule"] = JsonSerializer.SerializeToNode(new RuleRefDto(rule.Id, rule.Name), WireJson.Options);
            return e with { Data = data.ToJsonString(WireJson.Options) };
        }).ToList();
}
