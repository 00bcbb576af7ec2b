using System.Diagnostics;

namespace Zapnoty.Bench;

/// <summary>What a bench silo is started with; the same cluster id across restarts makes them restarts of one silo.</summary>
public sealed record SiloSettings(string Dll, string ConnectionString, string Url, int SmtpPort, string ClusterId)
{
    public static string NewClusterId() => "bench-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Extra environment (configuration) for this start only, e.g. a log level.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// One real silo process (<c>dotnet Zapnoty.Silo.dll</c>, so the process is the silo itself):
/// started with production settings except loopback endpoints, stopped gracefully with
/// SIGTERM as an orchestrator would, or killed. Its output is echoed (warnings and worse, by
/// default) and offered line by line, stamped on arrival, to whoever watches for a log line.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private string _level = "";

    private SiloProcess(Process process, long started, DateTimeOffset startedUtc)
    {
        _process = process;
        Started = started;
        StartedUtc = startedUtc;
    }

    public int Pid => _process.Id;

    /// <summary>When the process was started, on the monotonic clock and on the wall clock.</summary>
    public long Started { get; }

    public DateTimeOffset StartedUtc { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Every output line with its arrival time (monotonic), on the reader's thread: keep handlers short.</summary>
    public event Action<string, long>? Line;

    public static SiloProcess Start(SiloSettings settings)
    {
        var start = new ProcessStartInfo("dotnet", [settings.Dll])
        {
            WorkingDirectory = Path.GetDirectoryName(settings.Dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__Postgres"] = settings.ConnectionString;
        start.Environment["ASPNETCORE_URLS"] = settings.Url;
        start.Environment["Zapnoty__Smtp__Host"] = "127.0.0.1";
        start.Environment["Zapnoty__Smtp__Port"] = settings.SmtpPort.ToString();
        start.Environment["Zapnoty__Smtp__Security"] = "None"; // the fake relay on loopback speaks plain SMTP
        // The benchmark's webhook receiver listens on 127.0.0.1, which production refuses (SSRF guard).
        start.Environment["Zapnoty__Webhooks__AllowPrivateTargets"] = "true";
        start.Environment["Orleans__ClusterId"] = settings.ClusterId;
        // Outside Development a silo needs the key ring's master key; every bench silo shares this one.
        start.Environment["Zapnoty__DataProtection__Key"] = "YmVuY2gtbWFzdGVyLWtleS1vZi10aGUtYmVuY2hlcy0=";
        // No balancer drains a bench silo; its restarts should not wait for one.
        start.Environment["Zapnoty__Shutdown__DrainDelay"] = "00:00:00";
        // The benches measure the server under one client's full load, not the published limits.
        start.Environment["Zapnoty__RateLimits__Enabled"] = "false";
        // Bench projects get their credits without a payment: a development-only switch.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Zapnoty__Billing__DevelopmentGrants"] = "true";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Orleans.Runtime.Silo"] = "Warning";
        foreach (var (key, value) in settings.Environment) start.Environment[key] = value;

        var (started, startedUtc) = (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        var silo = new SiloProcess(Process.Start(start)!, started, startedUtc);
        silo._process.OutputDataReceived += (_, e) => silo.Received(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Received(e.Data);
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        return silo;
    }

    private void Received(string? line)
    {
        if (line is null) return;
        var at = Stopwatch.GetTimestamp();
        Line?.Invoke(line, at);
        // The console logger writes "dbug: Category[id]" and then the message indented: echo
        // entries of warning level and worse, and anything that is not a log entry.
        if (line.Length > 5 && line[4] == ':' && !char.IsWhiteSpace(line[0])) _level = line[..4];
        else if (!line.StartsWith("      ", StringComparison.Ordinal)) _level = "";
        if (_level is "" or "warn" or "fail" or "crit") Console.Error.WriteLine("silo: " + line);
    }

    /// <summary>Resident memory of the process (VmRSS) and its peak so far (VmHWM), in bytes.</summary>
    public (long Rss, long Peak) Memory()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line);
        }
        return (rss, peak);

        static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>Waits for <c>/health/ready</c>; returns the time from the process start.</summary>
    public async Task<TimeSpan> WaitReady(HttpClient http, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(120)).TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The silo exited with code {_process.ExitCode} before it was ready");
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var response = await http.GetAsync("/health/ready", attempt.Token);
                if (response.IsSuccessStatusCode) return Stopwatch.GetElapsedTime(Started);
            }
            catch (HttpRequestException) { }
            catch (OperationCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("The silo did not become ready in time");
    }

    /// <summary>SIGTERM and wait for the process to exit, as a graceful shutdown; returns how long it took.</summary>
    public async Task<TimeSpan> Stop(TimeSpan? timeout = null)
    {
        var signalled = Stopwatch.GetTimestamp();
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString()])!) await kill.WaitForExitAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException("The silo did not stop after SIGTERM; killed it");
        }
        return Stopwatch.GetElapsedTime(signalled);
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
