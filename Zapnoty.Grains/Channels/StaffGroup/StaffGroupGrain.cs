using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Files;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels.StaffGroup;

/// <summary>What staff do in the group: <c>/link</c>, replies, notes, commands and the topic's buttons.</summary>
public sealed partial class StaffGroupGrain(StaffGroupStore store, BotStore bots, TelegramStaffClient telegram, MessengerClients clients,
    CustomerFiles telegramFiles, FileStore files, IOptions<StaffGroupOptions> options, TimeProvider clock, ILogger<StaffGroupGrain> log)
    : Grain, IStaffGroupGrain
{
    private const string ButtonPrefix = "sg:";

    private StaffGroupView? _group;
    private bool _loaded;

    /// <summary>
    /// Held while a reply or note from the group is written and marked (<see cref="StaffGroupStore.MarkFromGroup"/>):
    /// the mirror, which runs between this grain's turns, waits for it before it asks whether an event's message came from the group.
    /// </summary>
    private readonly SemaphoreSlim _writing = new(1, 1);

    private Guid ProjectId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Load(cancellationToken);
        if (_group is { BrokenAt: null }) StartSweeping();
    }

    private async Task Load(CancellationToken cancellationToken)
    {
        _group = await store.Find(ProjectId, cancellationToken);
        _loaded = true;
    }

    public async Task<StaffGroupView?> Get()
    {
        if (!_loaded) await Load(CancellationToken.None);
        return _group;
    }

    public async Task<StaffGroupView> Link(Actor actor, Guid userId, string code)
    {
        var bot = await bots.FindLiveOfProject(ProjectId, Channel.Telegram, CancellationToken.None)
            ?? throw DomainException.NotFound("The project has no Telegram bot connected; connect one first, then add it to the group as an administrator.");
        var linked = await store.Link(ProjectId, userId, SecretHash.Of(Normal(code)), bot.Id, actor, clock.StoredNow(), CancellationToken.None)
            ?? throw DomainException.Invalid("code",
                "This code is not one of yours that was sent in a group of the project's bot, or it was used or has expired. Get a new code, send /link <code> in the group, then link again.");
        _group = linked;
        _topics.Clear();
        _resumeAt = DateTimeOffset.MinValue;
        log.LogInformation("Project {ProjectId} linked Telegram staff group {ChatId} (by {Actor})", ProjectId, linked.ChatId, actor);
        StartSweeping();
        return linked;
    }

    public async Task Unlink(Actor actor)
    {
        if (!await store.Unlink(ProjectId, actor, clock.StoredNow(), CancellationToken.None))
            throw DomainException.NotFound("The project has no Telegram staff group linked.");
        log.LogInformation("Project {ProjectId} unlinked its Telegram staff group (by {Actor})", ProjectId, actor);
        _group = null;
        _topics.Clear();
    }

    public async Task Apply(BotView bot, IncomingUpdate update)
    {
        if (!_loaded) await Load(CancellationToken.None);
        var ours = _group is { } group && group.BotId == bot.Id && group.ChatId == update.ChatId;
        if (update.Kind is IncomingKind.Blocked or IncomingKind.Unblocked)
        {
            if (ours && update.Kind == IncomingKind.Blocked) await Broken(update.Text ?? "The bot was removed from the group.");
            return;
        }
        if (update.Kind == IncomingKind.Message && Command(update.Text, "/link") is { Length: > 0 } code)
        {
            await OnLinkCode(bot, update, code, ours);
            return;
        }
        if (!ours || _group!.BrokenAt is not null) return;   // another group the bot is in, or a broken link: nothing of ours
        var context = new GroupUpdate(bot, _group, update);
        switch (update.Kind)
        {
            case IncomingKind.Callback:
                await OnButton(context);
                break;
            case IncomingKind.EditedMessage:
                if (await TicketOf(update) is not null && await store.MemberOf(ProjectId, update.User.Id, CancellationToken.None) is not null)
                    await Say(context, StaffGroupTexts.EditNotSent);
                break;
            default:
                await OnMessage(context);
                break;
        }
    }

    /// <summary>
    /// <c>/link &lt;code&gt;</c>: links the sender's Telegram account to the code's user. In a group
    /// that is not (yet) the project's, only the group's administrators may, since the code then
    /// also names the group an admin of the project may link.
    /// </summary>
    private async Task OnLinkCode(BotView bot, IncomingUpdate update, string code, bool ours)
    {
        var token = clients.TokenOf(bot);
        int? thread = int.TryParse(update.ThreadId, out var t) ? t : null;
        if (!ours && await telegram.IsAdmin(token, update.ChatId, update.User.Id, CancellationToken.None) != true)
        {
            await telegram.Send(token, update.ChatId, thread, StaffGroupTexts.OnlyGroupAdmins, null, CancellationToken.None);
            return;
        }
        var userId = await store.CodeSent(ProjectId, SecretHash.Of(Normal(code)), bot.Id, update.ChatId, update.ChatTitle, update.User.Id, update.User.Username,
            clock.StoredNow(), CancellationToken.None);
        // The code itself is never logged; the chat and the person are.
        log.LogInformation("Telegram user {TelegramUserId} sent a link code in group {ChatId} of project {ProjectId}: {Outcome}",
            update.User.Id, update.ChatId, ProjectId, userId is null ? "refused" : "linked");
        var answer = userId is { } linked
            ? StaffGroupTexts.AccountLinked(await store.NameOf(linked, CancellationToken.None) ?? "you", ours)
            : StaffGroupTexts.CodeUnknown;
        await telegram.Send(token, update.ChatId, thread, answer, null, CancellationToken.None);
    }

    private async Task OnMessage(GroupUpdate g)
    {
        if (await TicketOf(g.Update) is not { } ticketId) return;   // General, or a topic that is no ticket's
        if (await Agent(g) is not { } agent) return;
        var text = g.Update.Text?.Trim() ?? "";
        var ticket = GrainFactory.GetGrain<ITicketGrain>(ticketId);
        var actor = Actor.User(agent.UserId);
        await _writing.WaitAsync();
        try
        {
            if (Command(text, "/note") is { } note)
                await Note(g, ticket, ticketId, actor, note);
            else if (Command(text, "/close") is not null)
                await ticket.Edit(new TicketEdit(actor, Status: TicketStatus.Closed));
            else if (Command(text, "/wait") is not null)
                await ticket.Edit(new TicketEdit(actor, Status: TicketStatus.Waiting));
            else if (Command(text, "/assign") is { } who)
                await Assign(g, ticket, actor, agent, who);
            else if (text.StartsWith('/'))
                return;   // another bot command: not words for the customer
            else if (await AnswersNotePrompt(g, ticketId))
                await Note(g, ticket, ticketId, actor, text);
            else if (text.Length > 0 || g.Update.Attachments.Count > 0)
                await Reply(g, ticket, ticketId, actor, text);
        }
        catch (DomainException refused)
        {
            await Say(g, StaffGroupTexts.Refused(refused.Message));
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>An internal note (files are not kept with notes: the topic is told).</summary>
    private async Task Note(GroupUpdate g, ITicketGrain ticket, Guid ticketId, Actor actor, string text)
    {
        if (text.Length > 0)
        {
            var note = await ticket.Note(new AgentNote(actor, TicketRules.Shorten(text, TicketLimits.MaxTextLength)));
            await store.MarkFromGroup(ProjectId, note.Id, ticketId, clock.StoredNow(), CancellationToken.None);
        }
        if (g.Update.Attachments.Count > 0) await Say(g, StaffGroupTexts.NoteFilesNotKept);
    }

    /// <summary>
    /// The agent's reply to the customer, with the message's file (fetched from Telegram into the
    /// file store first), by the same path as a dashboard reply: credit, delivery state, SLA, webhooks.
    /// </summary>
    private async Task Reply(GroupUpdate g, ITicketGrain ticket, Guid ticketId, Actor actor, string text)
    {
        if (await StoreFiles(g) is not { } stored) return;   // a file could not be fetched: the topic was told, nothing was sent
        var committed = stored.Count == 0;
        try
        {
            // Keyed by the update: a redelivered or re-applied update answers the stored reply, never a second one.
            var key = new Cluster.WriteKey($"tg-staff:{g.Bot.Id:N}:{g.Update.Key}", "tg-staff", Guid.NewGuid(), FromClient: true);
            var reply = await ticket.Reply(new AgentReply(actor, TicketRules.Shorten(text, TicketLimits.MaxTextLength), key,
                stored.Count > 0 ? stored.Select(f => f.ToAttachment()).ToList() : null));
            // A repeat answers the first reply, which carries the first run's files: these go (finally).
            committed = committed || reply.Attachments?.Any(a => a.StoredId == stored[0].Id) == true;
            await store.MarkFromGroup(ProjectId, reply.Id, ticketId, clock.StoredNow(), CancellationToken.None);
        }
        finally
        {
            if (!committed) await files.Delete(stored, CancellationToken.None);
        }
    }

    private async Task Assign(GroupUpdate g, ITicketGrain ticket, Actor actor, StaffMember agent, string who)
    {
        var name = who.TrimStart('@');
        Guid? assignee = name.Equals("me", StringComparison.OrdinalIgnoreCase) ? agent.UserId
            : name.Length > 0 ? await store.MemberByTelegramUsername(ProjectId, name, CancellationToken.None) : null;
        if (assignee is null)
            await Say(g, StaffGroupTexts.AssignUsage);
        else
            await ticket.Edit(new TicketEdit(actor, ChangesAssignee: true, AssigneeId: assignee));
    }

    /// <summary>The topic's buttons: take it, raise the priority one step (urgent wraps to low), close, add a note.</summary>
    private async Task OnButton(GroupUpdate g)
    {
        await clients.For(Channel.Telegram).AnswerCallback(clients.TokenOf(g.Bot), g.Update.CallbackId!, null, CancellationToken.None);
        var parts = (g.Update.CallbackData ?? "").Split(':');
        if (parts.Length != 3 || parts[0] + ":" != ButtonPrefix || !Guid.TryParse(parts[2], out var ticketId)) return;
        if (await Agent(g) is not { } agent) return;
        var ticket = GrainFactory.GetGrain<ITicketGrain>(ticketId);
        try
        {
            var current = await ticket.Summary();
            if (current.ProjectId != ProjectId) return;
            var actor = Actor.User(agent.UserId);
            switch (parts[1])
            {
                case "take":
                    await ticket.Edit(new TicketEdit(actor, ChangesAssignee: true, AssigneeId: agent.UserId));
                    break;
                case "priority":
                    await ticket.Edit(new TicketEdit(actor, Priority: (TicketPriority)(((int)current.Priority + 1) % 4)));
                    break;
                case "close":
                    await ticket.Edit(new TicketEdit(actor, Status: TicketStatus.Closed));
                    break;
                case "note":
                    await AskForNote(g, ticketId);
                    break;
            }
        }
        catch (DomainException refused)
        {
            await Say(g, StaffGroupTexts.Refused(refused.Message));
        }
    }

    /// <summary>The sender as a project member who may answer; otherwise the topic is told why, and null.</summary>
    private async Task<StaffMember?> Agent(GroupUpdate g)
    {
        var who = g.Update.User.Username is { } username ? "@" + username : g.Update.User.Name ?? "You";
        var member = await store.MemberOf(ProjectId, g.Update.User.Id, CancellationToken.None);
        var refusal = member switch
        {
            null => StaffGroupTexts.NotLinked(who),
            { Role: null } => StaffGroupTexts.NotMember(who),
            { Role: ProjectRole.Viewer } => StaffGroupTexts.Viewer(who),
            _ => null,
        };
        if (refusal is null) return member;
        log.LogInformation("Staff group of project {ProjectId}: Telegram user {TelegramUserId} may not answer ({Refusal})", ProjectId, g.Update.User.Id,
            member is null ? "not linked" : member.Role is null ? "not a member" : "viewer");
        await Say(g, refusal);
        return null;
    }

    private async Task<Guid?> TicketOf(IncomingUpdate update) =>
        update.ThreadId is { } thread ? await store.TicketOfTopic(ProjectId, update.ChatId, thread, CancellationToken.None) : null;

    /// <summary>An answer to staff in the update's topic: direct, not queued (one per human action).</summary>
    private async Task Say(GroupUpdate g, string text)
    {
        int? thread = int.TryParse(g.Update.ThreadId, out var t) ? t : null;
        var said = await telegram.Send(clients.TokenOf(g.Bot), g.Group.ChatId, thread, text, null, CancellationToken.None);
        _recentCalls.Enqueue(clock.GetUtcNow());
        if (said is StaffCall.Gone(var reason)) await Broken(reason);
    }

    private async Task Broken(string reason)
    {
        await store.MarkBroken(ProjectId, reason, clock.StoredNow(), CancellationToken.None);
        log.LogWarning("The Telegram staff group of project {ProjectId} is broken: {Reason}", ProjectId, reason);
        await Load(CancellationToken.None);
    }

    /// <summary>The argument of <paramref name="command"/> (also <c>/cmd@botname</c>), or null when the text is not that command.</summary>
    private static string? Command(string? text, string command)
    {
        if (text is null) return null;
        text = text.Trim();
        var word = text.Split([' ', '\n'], 2)[0];
        if (word != command && !word.StartsWith(command + "@", StringComparison.Ordinal)) return null;
        return text.Length > word.Length ? text[(word.Length + 1)..].Trim() : "";
    }

    /// <summary>Codes are typed by people: case and stray spaces or dashes do not matter.</summary>
    public static string Normal(string code) => new string(code.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();

    /// <summary>12 characters of an alphabet without look-alikes (about 60 bits).</summary>
    public static string NewCode()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return new string(Enumerable.Range(0, 12).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
    }

    private sealed record GroupUpdate(BotView Bot, StaffGroupView Group, IncomingUpdate Update);
}
