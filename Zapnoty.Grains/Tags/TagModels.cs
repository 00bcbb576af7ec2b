using System.Text.RegularExpressions;

namespace Zapnoty.Grains.Tags;

/// <summary>A tag of a project; an archived one stays on the tickets that have it but is no longer assigned.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tags.TagView")]
public sealed record TagView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Color,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] bool Archived);

/// <summary>A tag as a ticket carries it.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tags.TicketTag")]
public sealed record TicketTag(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Color,
    [property: Id(3)] bool Archived);

/// <summary>A change of a tag: only what is not null changes.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Tags.TagChange")]
public sealed record TagChange(
    [property: Id(0)] Actor Actor,
    [property: Id(1)] Guid TagId,
    [property: Id(2)] string? Name,
    [property: Id(3)] string? Color);

/// <summary>What a DELETE did: a tag no ticket had is gone; a used one is archived (tickets keep it).</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Tags.TagRemoval")]
public enum TagRemoval { Deleted, Archived }

public static partial class TagLimits
{
    public const int MaxNameLength = 50;

    /// <summary>Live tags per project: more is a taxonomy nobody can pick from.</summary>
    public const int MaxPerProject = 200;

    /// <summary>Tags on one ticket.</summary>
    public const int MaxPerTicket = 10;

    /// <summary>The colours the dashboard offers; any <c>#rrggbb</c> is accepted, the first is the default.</summary>
    public static readonly IReadOnlyList<string> Palette =
        ["#64748b", "#ef4444", "#f97316", "#eab308", "#22c55e", "#14b8a6", "#3b82f6", "#6366f1", "#a855f7", "#ec4899"];

    public static string Name(string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed)) throw DomainException.Invalid("name", "A tag name is required.");
        if (trimmed.Length > MaxNameLength)
            throw DomainException.Invalid("name", $"A tag name must be at most {MaxNameLength} characters (got {trimmed.Length}).");
        if (!OneLineText.IsSafe(trimmed))
            throw DomainException.Invalid("name", "A tag name must be one line of text, without control or invisible formatting characters.");
        return trimmed;
    }

    /// <summary><c>#rrggbb</c>, stored lower-cased.</summary>
    public static string Color(string? color)
    {
        if (color is null || !ColorPattern().IsMatch(color))
            throw DomainException.Invalid("color", $"A colour is #rrggbb in hexadecimal, for example one of: {string.Join(", ", Palette)}.");
        return color.ToLowerInvariant();
    }

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex ColorPattern();
}
