namespace Zapnoty.Grains.Reports;

/// <summary>Days <see cref="From"/> to <see cref="To"/>, both included, in the project's time zone.</summary>
public sealed record ReportRange(DateOnly From, DateOnly To)
{
    /// <summary>The longest range a report covers (three years and a leap day).</summary>
    public const int MaxDays = 3 * 366;

    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>The range of the same length just before this one (what a comparison reads).</summary>
    public ReportRange Previous => new(From.AddDays(-Days), From.AddDays(-1));
}

/// <summary>
/// How a report groups its figures. <see cref="Hour"/> (the heat map, local day of week and hour)
/// carries only the counts of created tickets, customer messages and replies.
/// </summary>
public enum ReportGrouping { Total, Day, Week, Channel, Type, Priority, Tag, Agent, Hour }

/// <summary>One group of a report: its key (a day, a channel, an agent's id, "dow:hour"...), a name where one is known, and its figures.</summary>
public sealed record ReportGroup(string Key, string? Name, ReportFigures Figures);

/// <summary>A report's groups, and the time zone its days were read in.</summary>
public sealed record ReportResult(string TimeZone, IReadOnlyList<ReportGroup> Groups);
