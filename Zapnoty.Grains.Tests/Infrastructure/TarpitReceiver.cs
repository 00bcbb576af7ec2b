using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// A hostile webhook receiver on 127.0.0.1: it reads the request, answers
/// <c>200</c> with <c>Content-Length: 1000</c>, and then sends nothing, keeping the socket open.
/// </summary>
public sealed class TarpitReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _held = [];
    private readonly Task _accepting;
    private int _requests;

    private TarpitReceiver()
    {
        _listener.Start();
        _accepting = Accept();
    }

    public static TarpitReceiver Start() => new();

    public string Url(string path = "tarpit") => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/{path}";

    /// <summary>Requests whose headers arrived (each then answered with a stalled body).</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task Accept()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_held) _held.Add(client);
                _ = Stall(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task Stall(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var buffer = new byte[16 * 1024];
            var seen = new StringBuilder();
            while (!seen.ToString().Contains("\r\n\r\n"))
            {
                var n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0) return;
                seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            Interlocked.Increment(ref _requests);
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"u8.ToArray(), _stop.Token);
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_held) foreach (var client in _held) client.Dispose();
        _stop.Dispose();
    }
}
