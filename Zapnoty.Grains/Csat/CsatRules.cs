using System.Globalization;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Csat;

/// <summary>
/// When a ticket may be rated. A close opens a survey (<see cref="TicketView.CsatRequestedAt"/>);
/// a reopen withdraws it; the first answer to a survey is the one kept. A rating of an earlier
/// close stays on the ticket until a later survey is answered.
/// </summary>
public static class CsatRules
{
    /// <summary>The survey of the ticket's current close has an answer.</summary>
    public static bool Answered(TicketView ticket) =>
        ticket is { CsatRequestedAt: { } asked, Csat.At: var at } && at >= asked;

    /// <summary>Why the ticket cannot take a rating now, or null when it can.</summary>
    public static CsatChatOutcome? Refusal(TicketView ticket) =>
        ticket.Status != TicketStatus.Closed || ticket.CsatRequestedAt is null || ticket.MergedInto is not null ? CsatChatOutcome.NotOpen
        : Answered(ticket) ? CsatChatOutcome.AlreadyRated
        : null;

    /// <summary>The chat's next message is awaited as the comment on the rating.</summary>
    public static bool AwaitsComment(TicketView ticket, DateTimeOffset now) =>
        ticket is { Status: TicketStatus.Closed, Csat: { Comment: null, CommentUntil: { } until } } && now < until && Answered(ticket);

    /// <summary>Checks the texts an admin set; blank texts of the question and thanks mean the defaults.</summary>
    public static CsatSettings Normalize(CsatSettings settings) => new(
        settings.Enabled,
        Text(settings.QuestionText, "question_text") ?? CsatSettings.Default.QuestionText,
        Text(settings.ThanksText, "thanks_text") ?? CsatSettings.Default.ThanksText,
        Text(settings.CommentPromptText, "comment_prompt_text"));

    private static string? Text(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (text.Length > CsatLimits.MaxTextLength)
            throw DomainException.Invalid(field, $"The field {field} must be at most {CsatLimits.MaxTextLength} characters (got {text.Length}).");
        if (StorableText.FaultOf(text) is not null)
            throw DomainException.Invalid(field, $"The field {field} contains a character that cannot be stored (U+0000 or a lone surrogate).");
        return text;
    }
}

/// <summary>
/// The 1–5 buttons under the survey. Their data names the ticket and the score; it comes back
/// from the customer's device, so it is a claim to check (the ticket must be this chat's), never
/// a fact.
/// </summary>
public static class CsatButtons
{
    private const string Prefix = "csat:";

    /// <summary>Best first, one per row: "5 ★★★★★" down to "1 ★", the same in any language.</summary>
    public static IReadOnlyList<ChoiceButton> For(Guid ticketId) =>
        Enumerable.Range(CsatLimits.MinScore, CsatLimits.MaxScore).Reverse()
            .Select(score => new ChoiceButton($"{score} {new string('★', score)}", Data(ticketId, score)))
            .ToList();

    /// <summary><c>csat:{ticket id, 32 hex}:{score}</c>: 39 bytes, within Telegram's 64.</summary>
    public static string Data(Guid ticketId, int score) => $"{Prefix}{ticketId:N}:{score.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A CSAT button's ticket and score; null for any other data. The score may be out of range: the ticket refuses it.</summary>
    public static (Guid TicketId, int Score)? Parse(string? data)
    {
        if (data is null || !data.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var parts = data[Prefix.Length..].Split(':');
        return parts.Length == 2 && Guid.TryParseExact(parts[0], "N", out var ticketId)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            ? (ticketId, score)
            : null;
    }
}

/// <summary>What the bot shows on a press it did not record, as the button's short notice: bot texts (<see cref="BotLanguages.BotTextCatalog"/>) in the customer's language.</summary>
public static class CsatNotices
{
    /// <summary>The key of the notice for a press; null when it was recorded (the thanks come as a message).</summary>
    public static string? KeyFor(CsatChatOutcome outcome) => outcome switch
    {
        CsatChatOutcome.Recorded => null,
        CsatChatOutcome.AlreadyRated => "csat_already_rated",
        _ => "csat_closed",
    };
}
