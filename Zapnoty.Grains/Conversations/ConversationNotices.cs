namespace Zapnoty.Grains.Conversations;

/// <summary>
/// What the bot says when it cannot take what the customer sent. Unlike the bot texts an admin
/// edits, these are fixed (English) for now: they answer rare cases that must never go unanswered.
/// </summary>
public static class ConversationNotices
{
    /// <summary>A description stops growing at the message limit; more words are not added to it.</summary>
    public static string DraftFull(int limit) =>
        $"Your description is close to {limit} characters, the most one message may have, so your last message was not added to it. "
        + "Please pick a topic below; you can write more once the ticket is open.";

    /// <summary>Too many messages on one ticket today: the rest of the day's are not kept.</summary>
    public const string DailyLimit =
        "You have sent a great many messages on this ticket today; further ones are not kept until tomorrow (UTC). "
        + "We will read what you have sent.";

    /// <summary>Anything else the helpdesk refused: said, never retried.</summary>
    public static string Refused(string reason) =>
        $"Sorry, we could not take that message: {reason} Send /new to start over.";
}
