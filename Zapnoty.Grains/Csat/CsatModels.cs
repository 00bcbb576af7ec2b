using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Csat;

/// <summary>
/// A project's CSAT survey: whether closing a ticket asks the customer to rate it, and what
/// the bot says. <see cref="CommentPromptText"/> null: no follow-up comment is asked for.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Csat.CsatSettings")]
public sealed record CsatSettings(
    [property: Id(0)] bool Enabled,
    [property: Id(1)] string QuestionText,
    [property: Id(2)] string ThanksText,
    [property: Id(3)] string? CommentPromptText)
{
    public static readonly CsatSettings Default = new(
        Enabled: false,
        QuestionText: "How did we do? Please rate our help from 1 (poor) to 5 (excellent).",
        ThanksText: "Thank you for your rating!",
        CommentPromptText: null);
}

/// <summary>
/// The customer's latest answer to a survey of the ticket: <see cref="Score"/> 1..5, the
/// optional <see cref="Comment"/>, when it was given, and until when the chat's next message is
/// taken as the comment (null: no comment is awaited).
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Csat.TicketCsat")]
public sealed record TicketCsat(
    [property: Id(0)] int Score,
    [property: Id(1)] string? Comment,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] DateTimeOffset? CommentUntil = null);

/// <summary>A button press in the chat: the score on the button, and the update that carried it (applied once).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Csat.CsatChatRating")]
public sealed record CsatChatRating([property: Id(0)] ChannelOrigin Origin, [property: Id(1)] int Score);

/// <summary>The customer's message after the comment prompt.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Csat.CsatChatComment")]
public sealed record CsatChatComment([property: Id(0)] ChannelOrigin Origin, [property: Id(1)] string Text);

/// <summary>A rating posted through the API for a website ticket, by <see cref="Actor"/> (the team's site or app).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Csat.CsatRating")]
public sealed record CsatRating([property: Id(0)] Actor Actor, [property: Id(1)] int Score, [property: Id(2)] string? Comment);

/// <summary>What became of a button press.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Csat.CsatChatOutcome")]
public enum CsatChatOutcome
{
    /// <summary>The score is recorded; the thanks (and the comment prompt) are queued.</summary>
    Recorded,
    /// <summary>This survey was answered before: the first answer stays.</summary>
    AlreadyRated,
    /// <summary>No survey is open: the ticket was reopened, or never asked.</summary>
    NotOpen,
    /// <summary>The button names a ticket of another chat or bot, or a score that no button carries: forged.</summary>
    NotThisChat,
}

public static class CsatLimits
{
    /// <summary>Each survey text, in characters.</summary>
    public const int MaxTextLength = 1000;

    /// <summary>A comment, in characters: what one messenger message holds.</summary>
    public const int MaxCommentLength = TicketLimits.MaxTextLength;

    public const int MinScore = 1;
    public const int MaxScore = 5;

    /// <summary>How long after the rating the customer's next message is taken as the comment.</summary>
    public static readonly TimeSpan CommentWindow = TimeSpan.FromHours(1);

    public static bool IsScore(int score) => score is >= MinScore and <= MaxScore;
}
