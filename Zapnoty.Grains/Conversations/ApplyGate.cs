namespace Zapnoty.Grains.Conversations;

/// <summary>
/// How many chats of this silo apply their waiting updates at once. Applying (a conversation
/// turn, a ticket message) costs several times what acknowledging an update does, and both run on
/// the same cores: unbounded, a burst of chats applying queues the webhook's acknowledgements
/// behind them (p99 in the hundreds of milliseconds on 2 cores). Bounded, the acknowledgements keep
/// their share, and a chat that waits for a slot gathers its updates for one transaction
/// (<see cref="ConversationGrain"/> applies a run of messages to one ticket together), so the
/// backlog drains at a lower cost per update. Per-chat order is the grain's, untouched by the wait.
/// </summary>
public sealed class ApplyGate
{
    private readonly SemaphoreSlim _slots = new(Slots, Slots);

    /// <summary>
    /// Two per core, at least four: applying waits on commits and on messenger calls (a button's
    /// answer) as much as on the CPU, and one slow messenger must not hold every chat of the silo.
    /// </summary>
    public static int Slots { get; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Waits for a slot; disposing the result gives it back.</summary>
    public async Task<IDisposable> Enter()
    {
        await _slots.WaitAsync();
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) slots.Release();
        }
    }
}
