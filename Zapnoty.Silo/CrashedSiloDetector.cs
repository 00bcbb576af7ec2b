using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Zapnoty.Silo;

/// <summary>Configuration section <c>Zapnoty:CrashDetection</c>.</summary>
public sealed class CrashDetectionOptions
{
    public const string Section = "Zapnoty:CrashDetection";

    /// <summary>Off: a crashed silo is found by Orleans' probes alone (seconds, see <see cref="ClusterMembership"/>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Connection attempts that must all be refused before the silo is declared dead.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>The pause between those attempts.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>
/// Declares a silo dead as soon as its process is known to be gone, instead of waiting for
/// Orleans' probes to time out. Orleans treats a silo that stopped answering and one whose
/// process died alike: both are only probe timeouts, so it cannot be fast for the one without
/// being hasty for the other (a silo starting on a busy machine can be silent for seconds). A
/// killed process is told apart by its port: the host's kernel refuses connections to it. So
/// when a connection between this silo and another one closes, either way (Orleans'
/// <c>Orleans.Connections</c> diagnostic events), it dials that silo's port a few times; if every attempt is refused while
/// the silo is still listed active, it asks the cluster to declare it dead
/// (<see cref="IClusterMembershipService.TryKill"/>, as Orleans' Kubernetes integration does for
/// a deleted pod). A timeout or an accepted connection proves nothing, and the probes decide.
/// </summary>
public sealed partial class CrashedSiloDetector(IClusterMembershipService membership, ILocalSiloDetails self,
    IOptions<CrashDetectionOptions> options, ILogger<CrashedSiloDetector> log) : IHostedService, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    private const string ListenerName = "Orleans.Connections";
    private const string TerminatedEvent = "Terminated";

    private readonly ConcurrentDictionary<SiloAddress, byte> _checking = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<IDisposable> _subscriptions = [];
    private int _unreadable;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
            lock (_subscriptions) _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions) subscription.Dispose();
            _subscriptions.Clear();
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name != ListenerName) return;
        lock (_subscriptions) _subscriptions.Add(listener.Subscribe(this, name => name == TerminatedEvent));
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> e)
    {
        if (e.Key != TerminatedEvent || _stopping.IsCancellationRequested) return;
        // The payload types are Orleans internals; their public members are read by name.
        var connection = e.Value?.GetType().GetField("Connection")?.GetValue(e.Value);
        var remote = connection?.GetType().GetProperty("RemoteEndPoint");
        if (remote is null)
        {
            if (Interlocked.Exchange(ref _unreadable, 1) == 0) LogUnreadable(log, e.Value?.GetType().FullName);
            return;
        }
        // Not a TCP connection (a test cluster's in-memory transport): no port to dial.
        if (remote.GetValue(connection) is not IPEndPoint endpoint) return;
        foreach (var silo in Suspects(endpoint))
            if (_checking.TryAdd(silo, 0)) _ = Check(silo);
    }

    /// <summary>
    /// The active silos a closed connection may have led to. An outbound connection ends at the
    /// other silo's own port; an inbound one at a temporary port of its host, so every active silo
    /// on that host is dialled (one in production, where each silo has its own address; our own
    /// port accepts, which proves nothing, so this silo is never declared dead by itself).
    /// </summary>
    private IEnumerable<SiloAddress> Suspects(IPEndPoint endpoint)
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        var exact = active.Where(s => s.Endpoint.Equals(endpoint)).ToList();
        return exact.Count > 0 ? exact : active.Where(s => s.Endpoint.Address.Equals(endpoint.Address));
    }

    private async Task Check(SiloAddress silo)
    {
        try
        {
            var settings = options.Value;
            // A refusal means something only where silos really listen on TCP: a test cluster's
            // in-memory transport refuses every port, this silo's own included.
            if (silo.Equals(self.SiloAddress) || await Refuses(self.SiloAddress.Endpoint)) return;
            for (var attempt = 1; attempt <= settings.Attempts; attempt++)
            {
                if (!await Refuses(silo.Endpoint)) return;
                if (attempt < settings.Attempts) await Task.Delay(settings.Interval, _stopping.Token);
            }
            if (membership.CurrentSnapshot.GetSiloStatus(silo) != SiloStatus.Active) return;
            LogDeclaringDead(log, silo, settings.Attempts);
            await membership.TryKill(silo);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }
        catch (Exception e)
        {
            LogCheckFailed(log, e, silo);
        }
        finally
        {
            _checking.TryRemove(silo, out _);
        }
    }

    /// <summary>True only when the host answered and refused: nothing listens on the port any more.</summary>
    private async Task<bool> Refuses(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !_stopping.IsCancellationRequested)
        {
            return false;
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted() { }
    void IObserver<DiagnosticListener>.OnError(Exception error) { }
    void IObserver<KeyValuePair<string, object?>>.OnCompleted() { }
    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error) { }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} refused {Attempts} connections to its silo port: its process is gone; declaring it dead")]
    private static partial void LogDeclaringDead(ILogger logger, SiloAddress silo, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking whether silo {Silo} is gone failed; Orleans' probes will decide")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, SiloAddress silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orleans' connection events changed shape ({Payload}); crashed silos are left to Orleans' probes")]
    private static partial void LogUnreadable(ILogger logger, string? payload);
}
