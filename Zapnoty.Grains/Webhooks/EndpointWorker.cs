namespace Zapnoty.Grains.Webhooks;

/// <summary>What an endpoint worker needs from the silo.</summary>
public sealed record DispatchServices(DeliveryQueue Queue, WebhookSender Sender, AttemptLog Attempts, WebhookOptions Settings, TimeProvider Clock);

/// <summary>
/// Delivers one endpoint's due deliveries until none are left, as a pipeline: up to
/// <see cref="WebhookOptions.ConcurrencyPerEndpoint"/> requests in flight (each of a different
/// ticket), a finished request's slot free at once for the next one while its attempt is
/// recorded with others in one commit (<see cref="AttemptLog"/>), and the next look at the
/// queue made while requests run. A ticket stays busy from being queued here until its attempt
/// is committed, so its next event is neither fetched nor sent before the earlier one is
/// recorded: order per ticket is what it was with one delivery at a time.
/// Runs on the dispatcher grain's scheduler: every field is touched between awaits of that
/// one activation, so nothing here needs a lock.
/// </summary>
public sealed class EndpointWorker(Guid projectId, Guid webhookId, Func<WebhookEndpoint?> endpoint, DispatchServices services,
    Func<IReadOnlyList<AttemptRecord>, Task> settled)
{
    private const int DeliveriesPerLook = 64;

    private readonly Queue<DueDelivery> _queue = new();
    private readonly HashSet<Task<AttemptRecord>> _sending = [];
    private readonly List<AttemptRecord> _sent = [];
    // Tickets queued, in flight or being recorded (with the delivery); none of their later events may go yet.
    private readonly Dictionary<Guid, Guid> _busy = [];
    // Busy tickets known to have a later event waiting: once free, the queue is worth a look.
    private readonly HashSet<Guid> _moreBehind = [];
    // Deliveries recorded while a look was on its way: the look may predate the commit and
    // show them as still due, which must not send them again.
    private readonly HashSet<Guid> _recordedDuringLook = [];
    private Task<DueBatch>? _looking;
    private Task<IReadOnlyList<AttemptRecord>>? _recording;
    private bool _lookAgain = true;
    private TaskCompletionSource _poked = new();

    public Guid WebhookId => webhookId;

    /// <summary>When the earliest delivery seen but not yet due falls due, or a retry recorded here.</summary>
    public DateTimeOffset? NextDue { get; private set; }

    /// <summary>There may be new deliveries: look at the queue again as soon as there is room.</summary>
    public void Nudge()
    {
        _lookAgain = true;
        _poked.TrySetResult();
    }

    /// <summary>
    /// Runs until nothing is due, in flight or unrecorded, or the endpoint is disabled. Calls
    /// <paramref name="done"/> synchronously with that decision, so a nudge either reaches this
    /// worker while it runs or finds it gone and starts another. An exception ends the run
    /// (the sweeper resumes what was left).
    /// </summary>
    public async Task Run(Action<EndpointWorker, Exception?> done)
    {
        try
        {
            while (true)
            {
                var current = endpoint() is { Enabled: true } live ? live : null;
                // A disabled or deleted endpoint gets nothing new; what already went out is still recorded.
                if (current is not null) Start(current);
                StartRecording();
                if (_looking is null && _sending.Count == 0 && _recording is null && _sent.Count == 0)
                {
                    done(this, null);
                    return;
                }
                _poked = new TaskCompletionSource();
                var wakers = new List<Task>(_sending) { _poked.Task };
                if (_looking is not null) wakers.Add(_looking);
                if (_recording is not null) wakers.Add(_recording);
                await Task.WhenAny(wakers);
                await Collect(current is not null);
            }
        }
        catch (Exception e)
        {
            done(this, e);
        }
    }

    private void Start(WebhookEndpoint current)
    {
        var slots = Math.Max(1, services.Settings.ConcurrencyPerEndpoint);
        if (_looking is null && _lookAgain && _queue.Count < slots)
        {
            _lookAgain = false;
            _recordedDuringLook.Clear();
            // Asking past what is already busy keeps a look from coming back with busy tickets only.
            _looking = services.Queue.Due(projectId, webhookId, services.Clock.GetUtcNow(), DeliveriesPerLook + _busy.Count, CancellationToken.None);
        }
        while (_sending.Count < slots && _queue.TryDequeue(out var next))
            _sending.Add(Send(current, next));
    }

    private void StartRecording()
    {
        if (_recording is null && _sent.Count > 0)
        {
            _recording = Record([.. _sent]);
            _sent.Clear();
        }
    }

    private async Task Collect(bool enabled)
    {
        if (_looking is { IsCompleted: true } look)
        {
            _looking = null;
            Take(await look, enabled);
        }
        foreach (var finished in _sending.Where(t => t.IsCompleted).ToList())
        {
            _sending.Remove(finished);
            _sent.Add(await finished);
        }
        if (_recording is { IsCompleted: true } recording)
        {
            _recording = null;
            var records = await recording;
            Release(records);
            await settled(records);
        }
    }

    private void Take(DueBatch look, bool enabled)
    {
        if (look.NextDue is { } next) Earliest(next);
        if (look.Full) _lookAgain = true;
        foreach (var delivery in look.Due)
        {
            var ticket = TicketKey(delivery);
            if (_busy.TryGetValue(ticket, out var working))
            {
                // The ticket is being worked on; all a look can add is that more came behind it
                // (or, if its commit is already visible, that the next one is waiting).
                if (delivery.MoreOfTicket || delivery.Id != working) _moreBehind.Add(ticket);
            }
            else if (_recordedDuringLook.Contains(delivery.Id))
            {
                // Seen before its commit landed: not to be sent again; what follows it needs a fresh look.
                if (delivery.MoreOfTicket) _lookAgain = true;
            }
            else if (enabled)
            {
                _busy.Add(ticket, delivery.Id);
                if (delivery.MoreOfTicket) _moreBehind.Add(ticket);
                _queue.Enqueue(delivery);
            }
        }
    }

    private void Release(IReadOnlyList<AttemptRecord> records)
    {
        foreach (var record in records)
        {
            var ticket = TicketKey(record.Delivery);
            _busy.Remove(ticket);
            if (_looking is not null) _recordedDuringLook.Add(record.Delivery.Id);
            var more = _moreBehind.Remove(ticket);
            if (record.Status == DeliveryStatus.Pending) Earliest(record.NextAttemptAt!.Value);
            // Its next event is now the ticket's turn.
            else if (more) _lookAgain = true;
        }
    }

    private async Task<AttemptRecord> Send(WebhookEndpoint current, DueDelivery delivery) =>
        Judge(delivery, await services.Sender.Send(current, delivery, CancellationToken.None));

    private async Task<IReadOnlyList<AttemptRecord>> Record(IReadOnlyList<AttemptRecord> records)
    {
        await services.Attempts.Record(records);
        return records;
    }

    /// <summary>2xx delivers; 410 fails for good (the dispatcher then disables the endpoint); anything else retries on schedule until it runs out.</summary>
    private AttemptRecord Judge(DueDelivery delivery, AttemptOutcome outcome)
    {
        if (outcome.Succeeded) return new AttemptRecord(delivery, outcome, DeliveryStatus.Delivered, null);
        var schedule = services.Settings.Schedule;
        var attempts = delivery.Attempts + 1;
        if (outcome.StatusCode == 410 || attempts > schedule.Count) return new AttemptRecord(delivery, outcome, DeliveryStatus.Failed, null);
        var wait = schedule[attempts - 1] * (0.8 + 0.4 * Random.Shared.NextDouble());
        return new AttemptRecord(delivery, outcome, DeliveryStatus.Pending, outcome.At + wait);
    }

    private void Earliest(DateTimeOffset due)
    {
        if (NextDue is null || due < NextDue) NextDue = due;
    }

    // Billing events have no ticket; they queue as one sequence, as the Due query treats them.
    private static Guid TicketKey(DueDelivery delivery) => delivery.TicketId ?? Guid.Empty;
}
