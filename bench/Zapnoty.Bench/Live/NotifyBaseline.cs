using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Zapnoty.Bench.Live;

/// <summary>
/// The direct path's hop between silos: <c>pg_notify</c> from one raw Npgsql connection to a
/// <c>LISTEN</c> on another, the least any design that shares only PostgreSQL pays to tell
/// another node. Measured once per customer update, right after silo A acknowledged it.
/// </summary>
public sealed class NotifyBaseline : IAsyncDisposable
{
    private const string Channel = "zapnoty_live_bench";

    private readonly NpgsqlConnection _listener;
    private readonly NpgsqlDataSource _senders;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _waiting = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _listening = Task.CompletedTask;

    private NotifyBaseline(NpgsqlConnection listener, NpgsqlDataSource senders)
    {
        _listener = listener;
        _senders = senders;
    }

    public static async Task<NotifyBaseline> Start(string connectionString)
    {
        var listener = new NpgsqlConnection(connectionString);
        await listener.OpenAsync();
        var baseline = new NotifyBaseline(listener, NpgsqlDataSource.Create(connectionString));
        listener.Notification += (_, e) =>
        {
            if (baseline._waiting.TryRemove(e.Payload, out var arrived)) arrived.TrySetResult(Stopwatch.GetTimestamp());
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", listener)) await listen.ExecuteNonQueryAsync();
        baseline._listening = baseline.Listen();
        return baseline;
    }

    private async Task Listen()
    {
        try
        {
            while (!_stop.IsCancellationRequested) await _listener.WaitAsync(_stop.Token);
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>One notification from a pooled connection to the listener; returns the time until the listener had it.</summary>
    public async Task<TimeSpan> RoundTrip(int update)
    {
        var payload = update.ToString();
        var arrived = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[payload] = arrived;
        var sent = Stopwatch.GetTimestamp();
        await using (var notify = _senders.CreateCommand($"SELECT pg_notify('{Channel}', $1)"))
        {
            notify.Parameters.Add(new() { Value = payload });
            await notify.ExecuteNonQueryAsync();
        }
        return Stopwatch.GetElapsedTime(sent, await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _listening;
        await _listener.DisposeAsync();
        await _senders.DisposeAsync();
        _stop.Dispose();
    }
}
