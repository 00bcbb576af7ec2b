namespace Zapnoty.Grains.Tickets;

public sealed partial class TicketGrain
{
    /// <summary>
    /// The collision guard, a precondition any command that adds an agent's message can apply (replies,
    /// notes): when the caller saw <paramref name="expectedLastMessageId"/> as the latest message and
    /// others were written since (the customer's, another agent's), the command is refused with a
    /// Conflict carrying those newer messages (up to the <see cref="TicketLimits.RecentMessages"/>
    /// latest), so the agent reviews them before sending. Null skips the check. Grain calls run one
    /// at a time, so nothing can slip in between this check and the command's commit.
    /// </summary>
    private async Task RequireNoNewerMessages(TicketView ticket, Guid? expectedLastMessageId)
    {
        if (expectedLastMessageId is not { } expected) return;
        await Conversation();
        if (_messages.Count == 0 || _messages[^1].Id == expected) return;
        var index = _messages.FindIndex(m => m.Id == expected);
        if (index < 0 && await store.Message(ticket.Id, expected, null, CancellationToken.None) is null)
            throw DomainException.Invalid("expected_last_message_id", $"Message {expected} is not a message of ticket #{ticket.Number}.");
        // Not among the latest messages in memory: every one of them is newer.
        var newer = _messages.Skip(index + 1).ToList();
        throw new DomainException(DomainErrorKind.Conflict,
            $"Ticket #{ticket.Number} has {(index < 0 ? "at least " : "")}{newer.Count} newer message(s) than {expected}; review them, then send again.",
            "expected_last_message_id") { NewerMessages = newer };
    }
}
