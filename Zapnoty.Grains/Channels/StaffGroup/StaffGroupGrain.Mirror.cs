using System.Text.Json;
using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Channels.StaffGroup;

/// <summary>
/// The project's ticket events, mirrored into the group in commit order: a topic per new ticket,
/// then its messages and changes. The group's cursor moves past an event only once its calls went
/// through (or failed for good), so each shows once. Every call waits for a slot of the group's
/// budget (<see cref="StaffGroupOptions.MessagesPerWindow"/>); a 429 stops the queue until its
/// retry_after is over, and no nudge starts it earlier.
/// </summary>
public sealed partial class StaffGroupGrain
{
    private const int EventsPerRound = 50;

    /// <summary>When the group's last calls ended, for its budget; the direct answers to staff count too.</summary>
    private readonly Queue<DateTimeOffset> _recentCalls = new();

    /// <summary>The linked chat's topics by ticket (staff_topics, which only this grain writes): one query less per event.</summary>
    private readonly Dictionary<Guid, int> _topics = [];

    private long _callsMade;
    private bool _working;
    private bool _nudged;
    private DateTimeOffset _resumeAt = DateTimeOffset.MinValue;
    private IGrainTimer? _sweep;
    private IGrainTimer? _retry;

    public Task Nudge()
    {
        if (_working) _nudged = true;
        // While a retry_after (or a failure's back-off) runs, only the retry timer resumes: every
        // ticket commit nudges, and calling Telegram before the wait is over only prolongs it.
        else if (clock.GetUtcNow() >= _resumeAt) _ = Work();
        return Task.CompletedTask;
    }

    private Task Resume()
    {
        _resumeAt = DateTimeOffset.MinValue;
        return Nudge();
    }

    /// <summary>A nudge may be lost (a silo left); a linked group also looks now and then.</summary>
    private void StartSweeping() =>
        _sweep ??= this.RegisterGrainTimer(_ => Nudge(), new GrainTimerCreationOptions
            { DueTime = options.Value.SweepPeriod, Period = options.Value.SweepPeriod, Interleave = true, KeepAlive = true });

    private async Task Work()
    {
        _working = true;
        TimeSpan? retryIn = null;
        try
        {
            do
            {
                _nudged = false;
                if (!_loaded) await Load(CancellationToken.None);
                if (_group is not { BrokenAt: null } group) return;
                if (await bots.FindLiveById(group.BotId, CancellationToken.None) is not { } bot)
                {
                    await Broken("The Telegram bot of the group is no longer connected to the project.");
                    return;
                }
                IReadOnlyList<MirroredEvent> events;
                do
                {
                    events = await store.EventsAfterCursor(ProjectId, EventsPerRound, CancellationToken.None);
                    // Events that call nothing (most of a ticket's) move the cursor with the next one that does, or at the end of the round.
                    long? unsaved = null;
                    foreach (var e in events)
                    {
                        var callsBefore = _callsMade;
                        var outcome = await Mirror(bot, group, e);
                        switch (outcome)
                        {
                            case StaffCall.RetryAfter(var wait):
                                retryIn = wait;
                                return;
                            case StaffCall.Gone(var reason):
                                await Broken(reason);
                                return;
                            case StaffCall.Failed { Permanent: false }:
                                retryIn = TimeSpan.FromSeconds(5);
                                return;
                            case StaffCall.Failed(var error, _):
                                log.LogWarning("Staff group of project {ProjectId}: event {Seq} ({Type}) skipped: {Error}", ProjectId, e.Seq, e.Type, error);
                                break;
                        }
                        if (_callsMade == callsBefore)
                        {
                            unsaved = e.Seq;
                            continue;
                        }
                        await store.Advance(ProjectId, e.Seq, CancellationToken.None);
                        unsaved = null;
                    }
                    if (unsaved is { } last) await store.Advance(ProjectId, last, CancellationToken.None);
                }
                while (events.Count == EventsPerRound);
            }
            while (_nudged);
        }
        catch (Exception e)
        {
            log.LogError(e, "Mirroring to the staff group of project {ProjectId} stopped; it resumes on the next nudge", ProjectId);
            retryIn = TimeSpan.FromSeconds(5);
        }
        finally
        {
            _working = false;
            // Here, not after the block: the 429 and failure paths leave by `return`, and a retry
            // armed after the finally never ran (the queue then waited for the 30 s sweep).
            if (retryIn is { } delay) RetryIn(delay);
        }
    }

    private void RetryIn(TimeSpan delay)
    {
        _resumeAt = clock.GetUtcNow() + delay;
        _retry?.Dispose();
        _retry = this.RegisterGrainTimer(_ => Resume(), new GrainTimerCreationOptions
            { DueTime = delay, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
    }

    /// <summary>One event's calls. Done when they all went through; the first other outcome stops it (retried whole: a topic is not made twice).</summary>
    private async Task<StaffCall> Mirror(BotView bot, StaffGroupView group, MirroredEvent e)
    {
        using var json = JsonDocument.Parse(e.Data);
        var data = json.RootElement;
        var ticket = data.GetProperty("ticket");
        var token = clients.TokenOf(bot);
        var message = data.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object ? m : (JsonElement?)null;
        var change = data.TryGetProperty("change", out var c) && c.ValueKind == JsonValueKind.Object ? c : (JsonElement?)null;

        switch (e.Type)
        {
            case TicketEventTypes.Created:
            case TicketEventTypes.CustomerReplied:
            {
                var existing = await TopicOf(e.TicketId, group.ChatId);
                var (thread, opened) = await Topic(token, group, e.TicketId, ticket, existing);
                if (thread is null) return opened;
                // A retried creation sends the details again rather than risk a topic without them.
                if (existing is null || e.Type == TicketEventTypes.Created)
                {
                    var details = await Call(() => telegram.Send(token, group.ChatId, thread, Details(ticket), Buttons(e.TicketId), CancellationToken.None));
                    if (details is not StaffCall.Done) return details;
                }
                return message is { } said ? await Copy(token, group, thread.Value, $"👤 {CustomerName(ticket)}", said) : new StaffCall.Done(null);
            }
            case TicketEventTypes.Replied when message is { } reply:
                return await WrittenInGroup(e) ? new StaffCall.Done(null)
                    : await Line(token, group, e.TicketId, $"💬 {await AgentName(reply)} (dashboard): {TextAndFiles(reply)}");
            case TicketEventTypes.NoteAdded when message is { } note:
                return await WrittenInGroup(e) ? new StaffCall.Done(null)
                    : await Line(token, group, e.TicketId, $"📝 Note by {await AgentName(note)}: {Text(note)}");
            case TicketEventTypes.StatusChanged when change is { } status:
                return await StatusChanged(token, group, e.TicketId, ticket, status);
            case TicketEventTypes.PriorityChanged when change is { } priority:
                return await Line(token, group, e.TicketId, $"Priority: {Field(priority, "from")} → {Field(priority, "to")}");
            case TicketEventTypes.Assigned:
                return await Line(token, group, e.TicketId, ticket.TryGetProperty("assignee", out var a) && a.ValueKind == JsonValueKind.Object
                    ? $"Assigned to {Field(a, "name") ?? Field(a, "email")}"
                    : "Unassigned");
            default:
                return new StaffCall.Done(null);
        }
    }

    /// <summary>The ticket's topic: the one it has, or a new one (a ticket from before the link gets one when its customer writes).</summary>
    private async Task<(int? Thread, StaffCall Outcome)> Topic(string token, StaffGroupView group, Guid ticketId, JsonElement ticket, int? existing)
    {
        if (existing is { } known) return (known, new StaffCall.Done(null));
        var name = StaffGroupTexts.TopicName(ticket.GetProperty("number").GetInt64(), ticket.GetProperty("subject").GetString() ?? "",
            WireNames.ParseWire<TicketStatus>(ticket.GetProperty("status").GetString()!));
        var created = await Call(() => telegram.CreateTopic(token, group.ChatId, name, CancellationToken.None));
        if (created is not StaffCall.Done(var thread) || !int.TryParse(thread, out var id)) return (null, created);
        await store.SaveTopic(ProjectId, ticketId, group.ChatId, thread!, clock.GetUtcNow(), CancellationToken.None);
        _topics[ticketId] = id;
        return (id, created);
    }

    /// <summary>Title follows the status; a closed ticket's topic is closed, a reopened one's reopened.</summary>
    private async Task<StaffCall> StatusChanged(string token, StaffGroupView group, Guid ticketId, JsonElement ticket, JsonElement change)
    {
        if (await TopicOf(ticketId, group.ChatId) is not { } thread) return new StaffCall.Done(null);
        var to = WireNames.ParseWire<TicketStatus>(Field(change, "to")!);
        var from = Field(change, "from");
        var line = await Call(() => telegram.Send(token, group.ChatId, thread, $"Status: {from?.Replace('_', ' ')} → {to.Wire().Replace('_', ' ')}", null,
            CancellationToken.None));
        if (line is not StaffCall.Done) return line;
        var name = StaffGroupTexts.TopicName(ticket.GetProperty("number").GetInt64(), ticket.GetProperty("subject").GetString() ?? "", to);
        var renamed = await Call(() => telegram.RenameTopic(token, group.ChatId, thread, name, CancellationToken.None));
        // Telegram answers 400 TOPIC_NOT_MODIFIED to a rename to the same name: nothing to do.
        if (renamed is not (StaffCall.Done or StaffCall.Failed { Permanent: true })) return renamed;
        if (to == TicketStatus.Closed || from == TicketStatus.Closed.Wire())
        {
            var toggled = await Call(() => telegram.CloseTopic(token, group.ChatId, thread, to == TicketStatus.Closed, CancellationToken.None));
            if (toggled is not (StaffCall.Done or StaffCall.Failed { Permanent: true })) return toggled;
        }
        return new StaffCall.Done(null);
    }

    private async Task<StaffCall> Line(string token, StaffGroupView group, Guid ticketId, string text) =>
        await TopicOf(ticketId, group.ChatId) is { } thread
            ? await Call(() => telegram.Send(token, group.ChatId, thread, text, null, CancellationToken.None))
            : new StaffCall.Done(null);

    /// <summary>A customer's message: its text, then each file by its Telegram file id (files of other channels are named only).</summary>
    private async Task<StaffCall> Copy(string token, StaffGroupView group, int thread, string who, JsonElement message)
    {
        var files = message.TryGetProperty("attachments", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(a => JsonSerializer.Deserialize<Attachment>(a.GetRawText(), WireJson.Options)!).ToList()
            : [];
        var text = Text(message);
        if (text.Length > 0 || files.Count == 0)
        {
            var sent = await Call(() => telegram.Send(token, group.ChatId, thread, $"{who}: {text}", null, CancellationToken.None));
            if (sent is not StaffCall.Done) return sent;
        }
        foreach (var file in files.Where(f => f.StoredId is null))
        {
            var sent = await Call(() => telegram.SendFile(token, group.ChatId, thread, file, who, CancellationToken.None));
            if (sent is StaffCall.RetryAfter or StaffCall.Gone or StaffCall.Failed { Permanent: false }) return sent;
        }
        return new StaffCall.Done(null);
    }

    /// <summary>
    /// Whether the event's message was written from the group, so the topic already shows it. The
    /// mark is in the database (a restart in between does not show it twice); a write under way
    /// marks its message before this looks.
    /// </summary>
    private async Task<bool> WrittenInGroup(MirroredEvent e)
    {
        await _writing.WaitAsync();
        _writing.Release();
        return e.MessageId is { } id && await store.TakeFromGroup(ProjectId, id, CancellationToken.None);
    }

    private async Task<int?> TopicOf(Guid ticketId, string chatId)
    {
        if (_topics.TryGetValue(ticketId, out var known)) return known;
        var stored = await store.TopicOf(ticketId, chatId, CancellationToken.None);
        if (stored is { } thread) _topics[ticketId] = thread;
        return stored;
    }

    /// <summary>
    /// Every call to the group waits for a slot of its budget first. A call is counted from when it
    /// ended, never earlier than Telegram saw it, so Telegram never counts more in any window than we do.
    /// </summary>
    private async Task<StaffCall> Call(Func<Task<StaffCall>> call)
    {
        var budget = Math.Max(1, options.Value.MessagesPerWindow);
        var window = options.Value.PacingWindow;
        while (true)
        {
            var now = clock.GetUtcNow();
            while (_recentCalls.Count > 0 && now - _recentCalls.Peek() >= window) _recentCalls.Dequeue();
            if (_recentCalls.Count < budget) break;
            await Task.Delay(_recentCalls.Peek() + window - now, clock);
        }
        _callsMade++;
        try
        {
            return await call();
        }
        finally
        {
            _recentCalls.Enqueue(clock.GetUtcNow());
        }
    }

    private static string Details(JsonElement ticket)
    {
        var lines = new List<string>
        {
            $"#{ticket.GetProperty("number").GetInt64()} {ticket.GetProperty("subject").GetString()}",
            $"Customer: {CustomerName(ticket)}",
            $"Channel: {Field(ticket, "channel")} · Priority: {Field(ticket, "priority")}" + (Field(ticket, "type_name") is { } type ? $" · Type: {type}" : ""),
        };
        return string.Join("\n", lines);
    }

    private static IReadOnlyList<ChoiceButton> Buttons(Guid ticketId) =>
    [
        new("Take it", $"{ButtonPrefix}take:{ticketId:N}"),
        new("Priority ↑", $"{ButtonPrefix}priority:{ticketId:N}"),
        new("Close", $"{ButtonPrefix}close:{ticketId:N}"),
        new("Note", $"{ButtonPrefix}note:{ticketId:N}"),
    ];

    private static string CustomerName(JsonElement ticket)
    {
        var customer = ticket.GetProperty("customer");
        var name = Field(customer, "name") ?? Field(customer, "email") ?? Field(customer, "external_id") ?? "Customer";
        return Field(customer, "username") is { } username ? $"{name} (@{username})" : name;
    }

    private async Task<string> AgentName(JsonElement message) =>
        Field(message, "agent_id") is { } id && Guid.TryParse(id, out var userId) ? await store.NameOf(userId, CancellationToken.None) ?? "An agent" : "An agent";

    private static string Text(JsonElement message) => Field(message, "text") ?? "";

    /// <summary>A dashboard reply's text, then its files by name: the files stay in the dashboard, the topic says they went.</summary>
    private static string TextAndFiles(JsonElement message)
    {
        var names = message.TryGetProperty("attachments", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(a => "📎 " + (Field(a, "file_name") ?? Field(a, "kind") ?? "file"))
            : [];
        return string.Join(" ", new[] { Text(message) }.Concat(names).Where(part => part.Length > 0));
    }

    private static string? Field(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;
}
