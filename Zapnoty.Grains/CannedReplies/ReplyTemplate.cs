using System.Text;

namespace Zapnoty.Grains.CannedReplies;

/// <summary>Something wrong in a template: where (0-based index of the <c>{{</c>) and what.</summary>
public sealed record TemplateProblem(int Position, string Message);

/// <summary>
/// The text of a canned reply with <c>{{variable}}</c> and <c>{{variable|fallback}}</c> placeholders.
/// <list type="bullet">
/// <item>Whitespace around the name and the fallback is ignored: <c>{{ customer.name | there }}</c>.</item>
/// <item>The fallback is used when the value is empty or unknown; <c>{{x|}}</c> is an empty fallback.</item>
/// <item>A <c>{{</c> needs a <c>}}</c> before the next <c>{{</c>; a <c>}}</c> without an opening is plain text.</item>
/// <item>Positions are 0-based indexes into the text in UTF-16 code units (what .NET and JavaScript
/// strings count, and what the 4,096-character limit counts).</item>
/// </list>
/// Rendering inserts values as plain text; they are never parsed again, so a customer named
/// <c>{{agent.name}}</c> stays exactly that.
/// </summary>
public sealed class ReplyTemplate
{
    private const string Open = "{{";
    private const string Close = "}}";

    private readonly IReadOnlyList<Part> _parts;

    private ReplyTemplate(IReadOnlyList<Part> parts, IReadOnlyList<TemplateProblem> problems)
    {
        _parts = parts;
        Problems = problems;
    }

    /// <summary>Unknown variables and unclosed <c>{{</c>, in order of position; empty for a valid template.</summary>
    public IReadOnlyList<TemplateProblem> Problems { get; }

    public static ReplyTemplate Parse(string text)
    {
        var parts = new List<Part>();
        var problems = new List<TemplateProblem>();
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf(Open, at, StringComparison.Ordinal);
            if (open < 0) break;
            if (open > at) parts.Add(new Literal(text[at..open]));

            var close = text.IndexOf(Close, open + Open.Length, StringComparison.Ordinal);
            var nextOpen = text.IndexOf(Open, open + Open.Length, StringComparison.Ordinal);
            if (close < 0 || nextOpen >= 0 && nextOpen < close)
            {
                // Kept as text, so rendering a stored template that predates a rule never fails.
                problems.Add(new TemplateProblem(open, $"Unclosed '{{{{' at position {open}: close it with '}}}}'."));
                parts.Add(new Literal(Open));
                at = open + Open.Length;
                continue;
            }

            var inside = text[(open + Open.Length)..close];
            var bar = inside.IndexOf('|');
            var name = (bar < 0 ? inside : inside[..bar]).Trim();
            var fallback = bar < 0 ? null : inside[(bar + 1)..].Trim();
            if (name.Length == 0)
                problems.Add(new TemplateProblem(open, $"Empty variable name at position {open}. Known variables: {string.Join(", ", ReplyVariables.All)}."));
            else if (!ReplyVariables.All.Contains(name))
                problems.Add(new TemplateProblem(open, $"Unknown variable '{Shortened(name)}' at position {open}. Known variables: {string.Join(", ", ReplyVariables.All)}."));
            parts.Add(new Variable(name, fallback));
            at = close + Close.Length;
        }
        if (at < text.Length) parts.Add(new Literal(text[at..]));
        return new ReplyTemplate(parts, problems);
    }

    /// <summary>
    /// The text with every variable replaced by its value, or by its fallback (else nothing)
    /// when the value is missing, empty or blank.
    /// </summary>
    public string Render(IReadOnlyDictionary<string, string?> values)
    {
        var text = new StringBuilder();
        foreach (var part in _parts)
        {
            switch (part)
            {
                case Literal literal:
                    text.Append(literal.Text);
                    break;
                case Variable variable:
                    var value = values.GetValueOrDefault(variable.Name);
                    text.Append(string.IsNullOrWhiteSpace(value) ? variable.Fallback : value);
                    break;
            }
        }
        return text.ToString();
    }

    private static string Shortened(string name) => name.Length <= 40 ? name : name[..40] + "…";

    private abstract record Part;

    private sealed record Literal(string Text) : Part;

    private sealed record Variable(string Name, string? Fallback) : Part;
}

/// <summary>The variables a canned reply may use, and their values for one ticket and agent.</summary>
public static class ReplyVariables
{
    public const string CustomerName = "customer.name";
    public const string CustomerFirstName = "customer.first_name";
    public const string TicketNumber = "ticket.number";
    public const string TicketSubject = "ticket.subject";
    public const string TicketType = "ticket.type";
    public const string AgentName = "agent.name";
    public const string ProjectName = "project.name";

    public static readonly IReadOnlyList<string> All =
        [CustomerName, CustomerFirstName, TicketNumber, TicketSubject, TicketType, AgentName, ProjectName];

    public static IReadOnlyDictionary<string, string?> Values(
        string? customerName, long ticketNumber, string ticketSubject, string? ticketType, string agentName, string projectName) =>
        new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [CustomerName] = customerName?.Trim(),
            [CustomerFirstName] = FirstWord(customerName),
            [TicketNumber] = ticketNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [TicketSubject] = ticketSubject,
            [TicketType] = ticketType,
            [AgentName] = agentName,
            [ProjectName] = projectName,
        };

    /// <summary>"Ivan Petrov" → "Ivan"; null or blank → null (so the fallback applies).</summary>
    public static string? FirstWord(string? name) =>
        name?.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [var first, ..] ? first : null;

    /// <summary>
    /// What <c>{{agent.name}}</c> says for a person: their name when the account has one, else
    /// the part of their email before the <c>@</c>.
    /// </summary>
    public static string PersonName(string? name, string email) =>
        string.IsNullOrWhiteSpace(name) ? email.Split('@', 2)[0] : name.Trim();
}
