using System.Text.RegularExpressions;

namespace Zapnoty.Grains.Projects;

public static partial class ProjectValidation
{
    public static string Name(string? name, string field = "name")
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed)) throw DomainException.Invalid(field, "A name is required.");
        if (trimmed.Length > ProjectLimits.MaxNameLength)
            throw DomainException.Invalid(field, $"A name must be at most {ProjectLimits.MaxNameLength} characters.");
        // Names reach emails and log lines: no line breaks, escape codes or bidi overrides.
        if (!OneLineText.IsSafe(trimmed))
            throw DomainException.Invalid(field, "A name must be one line of text, without control or invisible formatting characters.");
        return trimmed;
    }

    public static string Slug(string? slug)
    {
        if (slug is null || !SlugPattern().IsMatch(slug))
            throw DomainException.Invalid("slug", "The slug must be 3–40 characters of a-z, 0-9, '_' and '-'.");
        return slug;
    }

    public static decimal? SlaHours(decimal? hours, string field)
    {
        if (hours is null) return null;
        if (hours <= 0 || hours > ProjectLimits.MaxSlaHours)
            throw DomainException.Invalid(field, $"Hours must be greater than 0 and at most {ProjectLimits.MaxSlaHours} (or null to switch the target off).");
        return decimal.Round(hours.Value, 4);
    }

    [GeneratedRegex("^[a-z0-9_-]{3,40}$")]
    private static partial Regex SlugPattern();
}
