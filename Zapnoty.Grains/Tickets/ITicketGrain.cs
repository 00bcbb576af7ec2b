using Orleans.Runtime;
using Orleans.Concurrency;

namespace Zapnoty.Grains.Tickets;

/// <summary>The single writer of one ticket: every command validates, commits, then updates memory.</summary>
[Alias("Zapnoty.Grains.Tickets.ITicketGrain")]
public interface ITicketGrain : IGrainWithGuidKey, IRemindable
{
    /// <summary>The ticket with its latest messages and its history. Unknown ticket: NotFound.</summary>
    [ReadOnly]
    [Alias("B8172FA3")]
    Task<TicketDetails> Get();

    /// <summary>
    /// Up to <paramref name="limit"/> messages sent before message <paramref name="before"/> (the latest
    /// ones when null), oldest first; null when <paramref name="before"/> is not a message of this ticket
    /// (the caller names the parameter that carried it).
    /// </summary>
    [ReadOnly]
    [Alias("1F5F4A19")]
    Task<MessagePage?> Messages(Guid? before, int limit);

    /// <summary>The ticket row only (cheap; used to authorise a caller against its project).</summary>
    [ReadOnly]
    [Alias("FE994E52")]
    Task<TicketView> Summary();

    /// <summary>
    /// File <paramref name="index"/> (from 0) of message <paramref name="messageId"/>, with the chat it
    /// came through. No such message or file, or a ticket that came through no messenger: NotFound.
    /// </summary>
    [ReadOnly]
    [Alias("00C98B1B")]
    Task<Channels.CustomerFile> Attachment(Guid messageId, int index);

    /// <summary>Changes status, priority, assignee and/or type; one history entry per changed field.</summary>
    [Alias("9250B501")]
    Task<TicketView> Edit(TicketEdit edit);

    /// <summary>
    /// An agent's answer to the customer. The first one sets first_reply_at; a new ticket moves to in_progress.
    /// With a key (<see cref="Cluster.WriteKey"/>) a repeat answers the stored reply, or Unprocessable for another request.
    /// </summary>
    [Alias("68D84E9C")]
    [Cluster.IdempotentWhenKeyed]
    Task<MessageView> Reply(AgentReply reply);

    /// <summary>
    /// An internal note of the team: never sent to the customer, costs no credit, changes neither
    /// the status nor first_reply_at. Members it @mentions are notified.
    /// </summary>
    [Alias("3B9E1A57")]
    Task<MessageView> Note(AgentNote note);

    /// <summary>
    /// The customer wrote again. A waiting ticket moves to in_progress; a closed one refuses (Conflict);
    /// past <see cref="TicketLimits.CustomerMessagesPerDay"/> today (UTC) it refuses (TooManyRequests).
    /// With a key, as <see cref="Reply"/>.
    /// </summary>
    [Alias("7C1AD5B5")]
    [Cluster.IdempotentWhenKeyed]
    Task<MessageView> AddCustomerMessage(CustomerMessage message);

    /// <summary>
    /// A chat's run of messages (each with its update's origin, no key), in order and in one
    /// transaction with every update's claim: all of them are added or none. Refused as a whole
    /// where <see cref="AddCustomerMessage"/> would refuse one of them; the conversation then
    /// applies them one by one.
    /// </summary>
    [Alias("83C01CDB")]
    Task AddCustomerMessages(IReadOnlyList<CustomerMessage> messages);

    /// <summary>
    /// Records every SLA target that is due and unmet (one <c>sla_breached</c> history entry and
    /// one <c>ticket.sla_breached</c> event each, exactly once), then re-arms the reminder for the
    /// next one. The reminder calls it; so does the sweeper for tickets whose reminder was lost.
    /// </summary>
    [Alias("47C02405")]
    Task CheckSla();

    /// <summary>
    /// Fires the project's rules that are due on this ticket and have not fired for this cycle
    /// (each once, its actions, history and events in one transaction), then re-arms the rules
    /// reminder for the next one. The reminder calls it; so does the rule sweeper.
    /// </summary>
    [Alias("9D41C2E7")]
    Task CheckRules();

    /// <summary>The customer edited a message in the messenger: the stored text changes, the old one is kept.</summary>
    [Alias("60D820D1")]
    Task EditCustomerMessage(CustomerEdit edit);

    /// <summary>A webhook endpoint accepted the <c>ticket.replied</c> carrying this reply to a website customer.</summary>
    [Alias("63B0276D")]
    Task ReplyDelivered(Guid messageId);

    /// <summary>
    /// The webhook dispatcher already stored this reply as delivered, in the transaction that
    /// logged the accepted attempt; the grain only catches up in memory.
    /// </summary>
    [Alias("5C50F8E6")]
    [Orleans.Concurrency.OneWay] Task ReplyDeliveryStored(Guid messageId);

    /// <summary>
    /// Replaces the ticket's tags with <paramref name="tagIds"/> (tags of its project; an archived
    /// one only if the ticket has it already): one <c>tags</c> history entry, one <c>ticket.tags_changed</c>.
    /// </summary>
    [Alias("3B9E0D71")]
    Task<TicketView> SetTags(Actor actor, IReadOnlyList<Guid> tagIds);

    /// <summary>Adds the live ones of these tags to the ticket's (what a canned reply applies), up to the cap; the rest are skipped.</summary>
    [Alias("A41E7C56")]
    Task<TicketView> AddTags(Actor actor, IReadOnlyList<Guid> tagIds);

    /// <summary>
    /// Merges this ticket into another open one of the same customer and project: its messages
    /// move there, it closes with <c>merged_into</c>; returns the survivor. Itself, an already
    /// merged ticket or a closed survivor: Conflict; another customer or project: Unprocessable.
    /// </summary>
    [Alias("C6F2A8E4")]
    Task<TicketView> Merge(TicketMerge merge);

    /// <summary>Another ticket was merged into this one: its conversation is re-read from the database.</summary>
    [Alias("5D8B3F90")]
    Task<TicketView> MergedIn();

    /// <summary>Every endpoint finally failed to take the <c>ticket.replied</c> carrying this reply.</summary>
    [Alias("2E1F7CE9")]
    Task ReplyUndelivered(Guid messageId, string error);

    /// <summary>
    /// Auto-assignment gives this waiting ticket (open, unassigned) to the agent: the same history
    /// entry, <c>ticket.assigned</c> event and notification as a manual assign, by the actor
    /// <c>system/auto_assignment</c>, in a transaction that re-checks the agent's cap.
    /// </summary>
    [Alias("A55E1001")]
    Task<Assignment.AutoAssignOutcome> AutoAssign(Guid assigneeId);
}
