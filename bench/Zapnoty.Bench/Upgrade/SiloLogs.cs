using System.Text.RegularExpressions;

namespace Zapnoty.Bench.Upgrade;

/// <summary>An exception type a silo logged: how often, and the first log line naming it.</summary>
public sealed record LoggedException(string Type, int Count, string FirstLine);

/// <summary>
/// The exception types in a silo's log, so a failed check names its cause (an Orleans
/// serialization or codec exception between versions, a missing column, ...) instead of
/// only counting 500s.
/// </summary>
public static partial class SiloLogs
{
    public static IReadOnlyList<LoggedException> Exceptions(string log) =>
        log.Split('\n')
            .Where(line => !line.TrimStart().StartsWith("at ", StringComparison.Ordinal))
            .SelectMany(line => ExceptionType().Matches(line).Select(m => (Type: m.Value, Line: line.Trim())))
            .GroupBy(e => e.Type)
            .Select(g => new LoggedException(g.Key, g.Count(), g.First().Line))
            .OrderByDescending(e => e.Count)
            .ToList();

    /// <summary>The API's own lines about failed requests: a 503's reason, a 500's fault (its exception follows on the next lines).</summary>
    public static IReadOnlyList<string> RequestFailures(string log, int count)
    {
        var lines = log.Split('\n');
        return lines.Select((line, i) => (line, i))
            .Where(l => l.line.Contains("answered 503", StringComparison.Ordinal) || l.line.Contains("Unhandled fault", StringComparison.Ordinal))
            .Take(count)
            .Select(l => string.Join(" | ", lines.Skip(l.i).Take(3).Select(x => x.Trim())))
            .ToList();
    }

    [GeneratedRegex(@"\b(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*Exception\b")]
    private static partial Regex ExceptionType();
}
