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
}
