using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;
using Zapnoty.Grains.BotLanguages;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Conversations;

/// <summary>
/// The bot dialog with one customer chat, keyed <c>tg:{botId}:{chatId}</c> (see
/// <see cref="ConversationKeys"/>): deep link → describe → pick a type → ticket, then the
/// chat's messages go to that ticket. Messenger-neutral: Telegram and Max feed it the same
/// <see cref="IncomingUpdate"/>s.
/// </summary>
[Alias("Zapnoty.Grains.Conversations.IConversationGrain")]
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies the chat's waiting updates, in order. Idempotent; called after each arrival and by the
    /// sweeper. Calls interleave: one that comes while the chat is applying only asks for one more
    /// pass, so a burst of arrivals costs one read of the inbox, not one each.
    /// </summary>
    [Alias("6126BE78")]
    [OneWay, AlwaysInterleave] Task Process();
}

public sealed partial class ConversationGrain(ChannelInbox inbox, ChannelOutbox outbox, NpgsqlDataSource dataSource, MessengerClients clients, TimeProvider clock,
    CustomerLanguages languages, ApplyGate gate, ILogger<ConversationGrain> log) : Grain, IConversationGrain
{
    private const int UpdatesPerRound = 20;
    private const string TypeChoice = "type:";

    /// <summary>
    /// How long an update may wait in the inbox, failing with a fault (not a refusal), before it is
    /// dropped: longer than an outage should last.
    /// </summary>
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);

    /// <summary>Files one description may gather while the customer is choosing its type.</summary>
    private const int MaxDraftAttachments = 20;

    private Guid? _loadedFor;
    private ConversationRow _state = new(ConversationStep.Idle, null, null);
    private DateOnly? _dailyLimitToldOn;

    /// <summary>The customer's language as last told (null: never), and whether the customer row has it (it exists from their first ticket).</summary>
    private string? _language;
    private bool _languageStored;

    private (Channel Channel, string ExternalBotId, string ChatId) Key => ConversationKeys.Parse(this.GetPrimaryKeyString());

    /// <summary>Asked for a pass (again) since the current one read the inbox; only one pass runs at a time (that keeps the order).</summary>
    private bool _asked, _applying;

    public async Task Process()
    {
        _asked = true;
        if (_applying) return;
        _applying = true;
        try
        {
            while (_asked)
            {
                _asked = false;
                await ApplyWaiting();
            }
        }
        finally
        {
            _applying = false;
        }
    }

    private async Task ApplyWaiting()
    {
        var (channel, externalBotId, chatId) = Key;
        var bot = await GrainFactory.GetGrain<IBotGrain>(BotKeys.Of(channel, externalBotId)).Live();
        if (bot is null) return;
        IReadOnlyList<WaitingUpdate> updates;
        do
        {
            using var slot = await gate.Enter();
            if (_loadedFor != bot.Id)
            {
                // A bot reconnected (possibly to another project) starts its chats afresh.
                _state = await inbox.Conversation(bot.Id, chatId, CancellationToken.None) ?? new(ConversationStep.Idle, null, null);
                _language = await languages.OfChat(bot.Id, chatId, CancellationToken.None);
                _languageStored = _language is not null;
                _loadedFor = bot.Id;
            }
            updates = await inbox.Waiting(bot.Id, chatId, UpdatesPerRound, CancellationToken.None);
            for (var next = 0; next < updates.Count;)
            {
                if (await ApplyRun(bot, updates, next) is var applied and > 0)
                {
                    next += applied;
                    continue;
                }
                if (!await ApplyOne(bot, updates[next])) return;
                next++;
            }
        }
        while (updates.Count == UpdatesPerRound);
    }

    /// <summary>Applies one update; false when it failed and stays waiting (the chat stops here until the next sweep).</summary>
    private async Task<bool> ApplyOne(BotView bot, WaitingUpdate waiting)
    {
        var (update, receivedAt) = waiting;
        try
        {
            await Apply(bot, update);
        }
        catch (UpdateAlreadyApplied)
        {
            // Applied before (a redelivery raced a retry): the stored state is the truth.
            _state = await inbox.Conversation(bot.Id, update.ChatId, CancellationToken.None) ?? _state;
        }
        catch (Exception e) when (clock.GetUtcNow() - receivedAt > GiveUpAfter)
        {
            // A fault that has outlasted any outage is the update's own: dropped, so the chat goes on.
            log.LogError(e, "Conversation {Key}: update {UpdateKey}, waiting since {ReceivedAt}, still fails; it is dropped so later updates of the chat can go on",
                this.GetPrimaryKeyString(), update.Key, receivedAt);
            await Abandon(bot, update);
        }
        catch (Exception e)
        {
            log.LogError(e, "Conversation {Key}: update {UpdateKey} failed; it stays waiting for the next sweep", this.GetPrimaryKeyString(), update.Key);
            _loadedFor = null;
            return false;
        }
        return true;
    }

    /// <summary>Claims an update without applying it; the stored state is reread, as the failed attempt may have left it behind.</summary>
    private async Task Abandon(BotView bot, IncomingUpdate update)
    {
        try
        {
            await dataSource.Commit([ChannelWrites.Claim(bot.Id, update.Key, clock.StoredNow())], CancellationToken.None);
        }
        catch (PostgresException e) when (ChannelWrites.IsAlreadyApplied(e))
        {
        }
        _state = await inbox.Conversation(bot.Id, update.ChatId, CancellationToken.None) ?? _state;
    }

    private async Task Apply(BotView bot, IncomingUpdate update)
    {
        if (update.InGroup && bot.Channel == Channel.Telegram)
        {
            await ApplyInStaffGroup(bot, update);
            return;
        }
        if (update.Kind is IncomingKind.Blocked or IncomingKind.Unblocked)
        {
            await OnReachability(bot, update);
            return;
        }
        // Someone who writes or presses a button has the bot unblocked (Max's bot_started arrives as /start).
        await outbox.Reachable(bot.Id, update.ChatId, CancellationToken.None);
        if (update.User.Language is { } told && told != _language)
        {
            _language = told;
            _languageStored = false;
        }
        await RememberLanguage(bot, update.ChatId);
        var context = await GrainFactory.GetGrain<IProjectGrain>(bot.ProjectId).GetBotContext();
        var book = await GrainFactory.GetGrain<IBotTextsGrain>(bot.ProjectId).Get();
        var dialog = new Dialog(bot, update, context, book, book.LanguageFor(_language), new ChatRoute(bot.Id, update.ChatId), clock.StoredNow());
        try
        {
            switch (update.Kind)
            {
                case IncomingKind.Callback when Csat.CsatButtons.Parse(update.CallbackData) is { } rating:
                    await OnRating(dialog, rating.TicketId, rating.Score);
                    break;
                case IncomingKind.Callback:
                    await clients.For(bot.Channel).AnswerCallback(clients.TokenOf(bot), update.CallbackId!, null, CancellationToken.None);
                    await OnChoice(dialog);
                    break;
                case IncomingKind.EditedMessage:
                    await OnEdit(dialog);
                    break;
                default:
                    await OnMessage(dialog);
                    break;
            }
        }
        catch (DomainException refused)
        {
            await OnRefused(dialog, refused);
        }
    }

    /// <summary>
    /// A Telegram supergroup is no customer's chat: the project's staff group applies it (or
    /// ignores it, for a group it does not know), then the update is claimed.
    /// </summary>
    private async Task ApplyInStaffGroup(BotView bot, IncomingUpdate update)
    {
        await GrainFactory.GetGrain<Channels.StaffGroup.IStaffGroupGrain>(bot.ProjectId).Apply(bot, update);
        try
        {
            List<NpgsqlBatchCommand> claim = [ChannelWrites.Claim(bot.Id, update.Key, clock.StoredNow())];
            if (update.Text?.TrimStart().StartsWith("/link", StringComparison.Ordinal) == true)
                claim.Add(Channels.StaffGroup.StaffGroupStore.ForgetLinkCode(bot.Id, update.Key));
            await dataSource.Commit(claim, CancellationToken.None);
        }
        catch (PostgresException e) when (ChannelWrites.IsAlreadyApplied(e))
        {
        }
    }

    /// <summary>
    /// The helpdesk refused what the update asked for (a rule, not a fault): retrying would meet the
    /// same refusal forever and hold back every later update of the chat. So the update is claimed
    /// and the customer told, and a description that could not become a ticket is let go.
    /// </summary>
    private async Task OnRefused(Dialog d, DomainException refused)
    {
        log.LogWarning("Conversation {Key}: update {UpdateKey} was refused ({Kind}: {Reason}); claimed and answered",
            this.GetPrimaryKeyString(), d.Update.Key, refused.Kind, refused.Message);
        string? answer;
        if (refused.Kind == DomainErrorKind.TooManyRequests)
        {
            // Told once a day, not once per message of a flood.
            var today = DateOnly.FromDateTime(d.Now.UtcDateTime);
            answer = _dailyLimitToldOn == today ? null : d.Say("daily_limit");
            _dailyLimitToldOn = today;
        }
        else
            answer = d.Update.Kind == IncomingKind.EditedMessage ? null : d.Say("refused", ("reason", refused.Message));
        var state = _state.Step == ConversationStep.ChoosingType ? _state with { Step = ConversationStep.Idle, Draft = null } : _state;
        await Commit(d, state, answer);
    }

    /// <summary>
    /// The customer blocked or unblocked the bot: the same marks a refused send sets (a blocked chat's
    /// waiting messages fail with the reason), claimed with the update so it applies once.
    /// </summary>
    private async Task OnReachability(BotView bot, IncomingUpdate update)
    {
        var now = clock.StoredNow();
        var claim = ChannelWrites.Claim(bot.Id, update.Key, now);
        IReadOnlyList<UndeliveredReply> failed = [];
        try
        {
            if (update.Kind == IncomingKind.Unblocked)
                await dataSource.Commit([claim, ChannelWrites.MarkReachable(bot.Id, update.ChatId)], CancellationToken.None);
            else
                failed = await outbox.Blocked(bot.Id, update.ChatId, update.Text ?? "The customer blocked the bot.", now, CancellationToken.None, [claim]);
        }
        catch (PostgresException e) when (ChannelWrites.IsAlreadyApplied(e))
        {
            throw new UpdateAlreadyApplied(e.MessageText);
        }
        log.LogInformation("Chat {ChatId} of bot {BotId}: the customer {Change} the bot", update.ChatId, bot.Id,
            update.Kind == IncomingKind.Blocked ? "blocked" : "unblocked");
        foreach (var reply in failed)
            await GrainFactory.GetGrain<ITicketGrain>(reply.TicketId).ReplyUndelivered(reply.MessageId, reply.Error);
    }

    private async Task OnMessage(Dialog d)
    {
        var text = d.Update.Text?.Trim() ?? "";
        if (Command(text, "/start") is { } payload)
        {
            if (payload.Length == 0 || payload == "help_" + d.Context.Project.Slug)
                await Commit(d, _state with { Step = ConversationStep.Describing, Draft = null }, d.Say("greeting"));
            else
                await Commit(d, _state, d.Say("invalid_link"));
            return;
        }
        if (Command(text, "/new") is not null)
        {
            await Commit(d, _state with { Step = ConversationStep.Describing, Draft = null }, d.Say("new_ticket"));
            return;
        }
        if (Command(text, "/status") is not null)
        {
            var open = await OpenTicket();
            await Commit(d, _state, open is null
                ? d.Say("no_ticket")
                : d.Say("status", ("number", open.Number.ToString(CultureInfo.InvariantCulture)), ("status", d.Say("status_" + open.Status.Wire()))));
            return;
        }

        var draft = new ConversationDraft(d.Update.Text ?? "", d.Update.Attachments, d.Update.MessageId);
        if (_state.Step == ConversationStep.ChoosingType && _state.Draft is { } earlier)
        {
            // More words instead of a button: they belong to the same description, up to what one message may hold.
            var merged = new ConversationDraft(string.Join("\n", new[] { earlier.Text, draft.Text }.Where(t => t.Length > 0)),
                [.. earlier.Attachments, .. draft.Attachments], earlier.MessageId);
            if (merged.Text.Length > TicketLimits.MaxTextLength || merged.Attachments.Count > MaxDraftAttachments)
                await Commit(d, _state, d.Say("draft_full", ("limit", TicketLimits.MaxTextLength.ToString(CultureInfo.InvariantCulture))), TypeButtons(d));
            else
                await Commit(d, _state with { Draft = merged }, d.Say("choose_type"), TypeButtons(d));
            return;
        }
        if (_state.Step == ConversationStep.Idle && await OpenTicket() is { } ticket)
        {
            var message = new CustomerMessage(draft.Text, new ChannelOrigin(d.Route, d.Update.Key, d.Update.MessageId, d.Update.Attachments));
            await GrainFactory.GetGrain<ITicketGrain>(ticket.Id).AddCustomerMessage(message);
            return;
        }

        // The words right after a rating, when the survey asked for a comment, are that comment.
        if (_state is { Step: ConversationStep.Idle, CurrentTicketId: { } rated } && d.Update.Text is { Length: > 0 } comment
            && await GrainFactory.GetGrain<Csat.ITicketCsatGrain>(rated).CommentInChat(
                new Csat.CsatChatComment(new ChannelOrigin(d.Route, d.Update.Key, d.Update.MessageId, d.Update.Attachments), comment)))
            return;

        // A new description: right after /start or /new, or the first words after a ticket was closed.
        if (d.Context.TicketTypes.Count > 0)
            await Commit(d, new ConversationRow(ConversationStep.ChoosingType, draft, _state.CurrentTicketId), d.Say("choose_type"),
                TypeButtons(d));
        else
            await CreateTicket(d, draft, typeId: null);
    }

    private async Task OnChoice(Dialog d)
    {
        var data = d.Update.CallbackData ?? "";
        if (_state is { Step: ConversationStep.ChoosingType, Draft: { } draft } && data.StartsWith(TypeChoice, StringComparison.Ordinal)
            && Guid.TryParse(data[TypeChoice.Length..], out var typeId) && d.Context.TicketTypes.Any(t => t.Id == typeId))
            await CreateTicket(d, draft, typeId);
        else
            await Commit(d, _state, answer: null);   // a stale button: nothing to do
    }

    /// <summary>
    /// A press of a survey button. Its data names a ticket and a score, as the customer's device
    /// sent them: the ticket checks that it is this chat's before taking the score. The press is
    /// answered after the outcome is known, with a notice when it was not recorded.
    /// </summary>
    private async Task OnRating(Dialog d, Guid ticketId, int score)
    {
        Csat.CsatChatOutcome outcome;
        try
        {
            outcome = await GrainFactory.GetGrain<Csat.ITicketCsatGrain>(ticketId).RateInChat(
                new Csat.CsatChatRating(new ChannelOrigin(d.Route, d.Update.Key, d.Update.MessageId, []), score));
        }
        catch (DomainException unknown) when (unknown.Kind == DomainErrorKind.NotFound)
        {
            outcome = Csat.CsatChatOutcome.NotThisChat;
        }
        // A recorded rating claimed the update with it; any other outcome claims it here.
        if (outcome != Csat.CsatChatOutcome.Recorded) await Commit(d, _state, answer: null);
        var notice = Csat.CsatNotices.KeyFor(outcome) is { } key ? d.Say(key) : null;
        await clients.For(d.Bot.Channel).AnswerCallback(clients.TokenOf(d.Bot), d.Update.CallbackId!, notice, CancellationToken.None);
    }

    private async Task OnEdit(Dialog d)
    {
        var text = d.Update.Text ?? "";
        if (_state is { Step: ConversationStep.ChoosingType, Draft: { } draft } && draft.MessageId == d.Update.MessageId)
        {
            await Commit(d, _state with { Draft = draft with { Text = text } }, answer: null);
            return;
        }
        if (_state.CurrentTicketId is { } ticketId && d.Update.MessageId is { } messageId)
        {
            await GrainFactory.GetGrain<ITicketGrain>(ticketId).EditCustomerMessage(
                new CustomerEdit(messageId, text, new ChannelOrigin(d.Route, d.Update.Key, messageId, d.Update.Attachments)));
            return;
        }
        await Commit(d, _state, answer: null);
    }

    private async Task CreateTicket(Dialog d, ConversationDraft draft, Guid? typeId)
    {
        var user = d.Update.User;
        var ticket = await GrainFactory.GetGrain<IProjectGrain>(d.Bot.ProjectId).CreateTicket(new NewTicket(
            d.Bot.Channel, new CustomerIdentity(user.Id, Fit(user.Name), null, Fit(user.Username)), draft.Text, null, typeId, null,
            new Actor(ActorKind.Customer, null),
            new ChannelOrigin(d.Route, d.Update.Key, draft.MessageId, draft.Attachments, d.Say("ticket_created"))));
        _state = new ConversationRow(ConversationStep.Idle, null, ticket.Id);
        // The customer row exists from this ticket on: the language can be kept on it now.
        await RememberLanguage(d.Bot, d.Update.ChatId);
    }

    /// <summary>
    /// Keeps the language the customer last told on their row (a preference: written on its own, and
    /// tried again on the next update if this fails), for the survey a close sends and for updates
    /// without a language.
    /// </summary>
    private async Task RememberLanguage(BotView bot, string chatId)
    {
        if (_language is null || _languageStored) return;
        try
        {
            _languageStored = await languages.Remember(bot.Id, chatId, _language, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            log.LogWarning(e, "Conversation {Key}: the customer's language could not be kept; tried again on the next update", this.GetPrimaryKeyString());
        }
    }

    /// <summary>
    /// A messenger allows longer names than we keep (Telegram: first and last name of 64 each):
    /// shortened, never refused, or the customer could not open a ticket at all.
    /// </summary>
    private static string? Fit(string? name) => name is null ? null : TicketRules.Shorten(name, TicketLimits.MaxNameLength);

    /// <summary>The dialog's own step: its new state, the update's claim and the bot's answer, in one transaction.</summary>
    private async Task Commit(Dialog d, ConversationRow state, string? answer, IReadOnlyList<ChoiceButton>? buttons = null)
    {
        List<NpgsqlBatchCommand> commands =
        [
            ChannelWrites.Claim(d.Bot.Id, d.Update.Key, d.Now),
            ChannelWrites.SaveConversation(d.Bot.Id, d.Update.ChatId, d.Bot.ProjectId, state.Step,
                state.Draft is null ? null : JsonSerializer.Serialize(state.Draft, WireJson.Options), state.CurrentTicketId, d.Now),
        ];
        if (answer is not null) commands.Add(ChannelWrites.Enqueue(d.Route, answer, buttons, null, state.CurrentTicketId, d.Now));
        try
        {
            await dataSource.Commit(commands, CancellationToken.None);
        }
        catch (PostgresException e) when (ChannelWrites.IsAlreadyApplied(e))
        {
            throw new UpdateAlreadyApplied(e.MessageText);
        }
        _state = state;
        if (answer is not null) GrainFactory.GetGrain<IChannelSenderGrain>(d.Bot.Id).Nudge().Ignore();
    }

    /// <summary>
    /// The ticket the chat follows, unless it was closed (then the next words start a new one). A
    /// ticket merged into another is followed to the survivor (the merge moved the row's pointer
    /// too; this activation may have read it before).
    /// </summary>
    private async Task<TicketView?> OpenTicket()
    {
        if (_state.CurrentTicketId is not { } ticketId) return null;
        var ticket = await GrainFactory.GetGrain<ITicketGrain>(ticketId).Summary();
        for (var hops = 0; ticket.MergedInto is { } survivor && hops < MaxMergeHops; hops++)
            ticket = await GrainFactory.GetGrain<ITicketGrain>(survivor).Summary();
        if (ticket.Id != ticketId) _state = _state with { CurrentTicketId = ticket.Id };
        return ticket.Status == TicketStatus.Closed ? null : ticket;
    }

    /// <summary>Merges chain only when a survivor is merged on later; a few hops cover any real history.</summary>
    private const int MaxMergeHops = 8;

    /// <summary>The ticket types to pick from, named in the customer's language.</summary>
    private static IReadOnlyList<ChoiceButton> TypeButtons(Dialog d) =>
        d.Context.TicketTypes.Select(t => new ChoiceButton(d.Book.TypeName(d.Language, t), TypeChoice + t.Id.ToString("N"))).ToList();

    /// <summary>The argument of <paramref name="command"/> (also in the <c>/cmd@botname</c> form), or null when the text is not that command.</summary>
    private static string? Command(string text, string command)
    {
        var word = text.Split(' ', 2)[0];
        if (word != command && !word.StartsWith(command + "@", StringComparison.Ordinal)) return null;
        return text.Length > word.Length ? text[(word.Length + 1)..].Trim() : "";
    }

    /// <summary>One update being applied, with the texts in <see cref="Language"/>, the one chosen for this customer.</summary>
    private sealed record Dialog(BotView Bot, IncomingUpdate Update, BotContext Context, BotTextBook Book, string Language, ChatRoute Route,
        DateTimeOffset Now)
    {
        /// <summary>The text of <paramref name="key"/>; <c>{number}</c> of a ticket not yet created stays for the creation to fill in.</summary>
        public string Say(string key, params (string Name, string Value)[] values) => Book.Render(Language, key, Context.Project.Name, values);
    }
}
