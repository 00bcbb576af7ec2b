namespace Zapnoty.Grains.Tickets;

/// <summary>
/// What a list's <c>q</c> asks for: a ticket number (<c>#12</c>, or digits), and/or text found in
/// the subject, the customer's name or a message. Text needs at least
/// <see cref="MinTextLength"/> characters: shorter patterns match nearly everything and cannot
/// use the trigram indexes, so each would scan the whole project.
/// </summary>
public sealed record TicketSearch(long? Number, string? Text)
{
    public const int MinTextLength = 3;
    public const int MaxLength = 200;

    /// <summary>The search, or null with <paramref name="problem"/> saying what is wrong with <paramref name="q"/>.</summary>
    public static TicketSearch? Parse(string q, out string? problem)
    {
        problem = null;
        var text = q.Trim();
        if (text.Length > MaxLength)
        {
            problem = $"q must be at most {MaxLength} characters.";
            return null;
        }
        // PostgreSQL refuses U+0000 in text, and unpaired surrogates cannot be encoded: both would
        // fail deep in the query; other control characters are never part of what anyone searches for.
        if (text.Any(char.IsControl) || !IsWellFormed(text))
        {
            problem = "q must not contain control characters or broken Unicode.";
            return null;
        }
        // "#12" is a ticket number and nothing else.
        if (text.StartsWith('#') && long.TryParse(text[1..], out var tagged) && text[1..].All(char.IsAsciiDigit))
            return new TicketSearch(tagged, null);
        var digits = text.Length > 0 && text.All(char.IsAsciiDigit);
        var number = digits && long.TryParse(text, out var n) ? n : (long?)null;
        if (text.Length >= MinTextLength) return new TicketSearch(number, text);
        if (number is not null) return new TicketSearch(number, null);
        problem = $"q must be at least {MinTextLength} characters, or a ticket number such as #12.";
        return null;
    }

    /// <summary>The text as a LIKE pattern matching it anywhere, its wildcards taken literally.</summary>
    public string? Substring => Text is null ? null : "%" + Text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return false;
        }
        return true;
    }
}
