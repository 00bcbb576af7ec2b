using System.Threading.Channels;

namespace Zapnoty.Api.Live;

/// <summary>
/// One open stream's queue on its silo's feed. Bounded: a client that reads slower than events
/// come fills it, and from then on nothing more is queued for it (no memory grows) until it has
/// read what is queued and is told to reset. Its feed offers and resets under the feed's lock.
/// </summary>
public sealed class LiveConnection(int capacity)
{
    private readonly Channel<LiveItem> _items = Channel.CreateBounded<LiveItem>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private volatile bool _overflowed;

    public ChannelReader<LiveItem> Items => _items.Reader;

    /// <summary>Whether events were dropped for this stream since its last reset.</summary>
    public bool Overflowed => _overflowed;

    internal void Offer(LiveItem item)
    {
        if (_overflowed) return;
        if (!_items.Writer.TryWrite(item)) _overflowed = true;
    }

    /// <summary>Forgets what is queued and takes events again (the client is told to refetch).</summary>
    internal void Reset()
    {
        while (_items.Reader.TryRead(out _)) { }
        _overflowed = false;
    }
}
