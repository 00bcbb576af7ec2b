using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Zapnoty.Grains.Tests.Infrastructure;

public sealed partial record ReceivedEmail(string To, string Data)
{
    /// <summary>The Subject header as sent (one line; our subjects are ASCII, so not encoded).</summary>
    public string Subject => SubjectHeader().Match(Data).Groups[1].Value.TrimEnd();

    [GeneratedRegex("^Subject: (.*)$", RegexOptions.Multiline)]
    private static partial Regex SubjectHeader();
}

/// <summary>
/// A small SMTP server on 127.0.0.1 that accepts every message and keeps it, so tests can read
/// what MailKit really sent (login codes).
/// </summary>
public sealed partial class FakeSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedEmail> _received = new();
    private readonly Task _accepting;

    public FakeSmtpServer()
    {
        _listener.Start();
        _accepting = Accept();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyCollection<ReceivedEmail> Received => _received;

    /// <summary>Waits for the newest 8-digit code mailed to <paramref name="to"/> after <paramref name="since"/> messages.</summary>
    public async Task<string> WaitForCode(string to, int since, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var mail = _received.Where(m => m.To.Equals(to, StringComparison.OrdinalIgnoreCase)).Skip(since).LastOrDefault();
            if (mail is not null && CodePattern().Match(mail.Data) is { Success: true } match) return match.Groups[1].Value;
            await Task.Delay(20);
        }
        throw new TimeoutException($"No code was mailed to {to}");
    }

    public int CountTo(string to) => _received.Count(m => m.To.Equals(to, StringComparison.OrdinalIgnoreCase));

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Serve(client);
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 fake-smtp ready");
        var recipients = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-fake-smtp");
                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "HELO":
                case "MAIL":
                case "RSET":
                case "NOOP":
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    recipients.Add(RecipientPattern().Match(line).Groups[1].Value);
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                        data.AppendLine(dataLine);
                    foreach (var to in recipients) _received.Enqueue(new ReceivedEmail(to, data.ToString()));
                    recipients.Clear();
                    await writer.WriteLineAsync("250 OK queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("502 Command not implemented");
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
    }

    [GeneratedRegex(@"code is (\d{8})")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"<([^>]*)>")]
    private static partial Regex RecipientPattern();
}
