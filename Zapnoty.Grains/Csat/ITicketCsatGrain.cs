namespace Zapnoty.Grains.Csat;

/// <summary>
/// The CSAT commands of a ticket, served by the ticket grain itself (the single writer of the
/// ticket row; <c>GetGrain&lt;ITicketCsatGrain&gt;(ticketId)</c> reaches the same activation as
/// <see cref="Tickets.ITicketGrain"/>).
/// </summary>
[Alias("Zapnoty.Grains.Csat.ITicketCsatGrain")]
public interface ITicketCsatGrain : IGrainWithGuidKey
{
    /// <summary>
    /// A 1–5 button pressed in the ticket's chat. Recorded once per survey, with the update's claim,
    /// the thanks and the comment prompt in one transaction; anything else is an outcome, not an error,
    /// and claims nothing (the conversation claims the update). A chat or bot other than the ticket's: <see cref="CsatChatOutcome.NotThisChat"/>.
    /// </summary>
    [Alias("C5A70011")]
    Task<CsatChatOutcome> RateInChat(CsatChatRating rating);

    /// <summary>
    /// The chat's next message after the comment prompt, within <see cref="CsatLimits.CommentWindow"/>:
    /// stored as the rating's comment (with the update's claim) and true; false, with nothing written,
    /// when no comment is awaited from this chat.
    /// </summary>
    [Alias("C5A70012")]
    Task<bool> CommentInChat(CsatChatComment comment);

    /// <summary>
    /// A rating of a website ticket posted through the API. Already rated: Conflict; not a website
    /// ticket, not closed, no survey sent, or a score outside 1–5: Unprocessable.
    /// </summary>
    [Alias("C5A70013")]
    Task<Tickets.TicketView> Rate(CsatRating rating);
}
