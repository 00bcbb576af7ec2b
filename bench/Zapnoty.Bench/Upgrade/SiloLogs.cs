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

    [GeneratedRegex(@"\b(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*Exception\b")]
    private static partial Regex ExceptionType();
}
