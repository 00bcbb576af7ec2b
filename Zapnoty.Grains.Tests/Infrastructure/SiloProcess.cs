using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// The real silo program (Program.cs, appsettings.json, the console logger) in a child process,
/// from Zapnoty.Silo's own build output, on a fresh database and free loopback ports. For what
/// only the real host decides: listeners, log format, the Orleans Dashboard.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    public Uri Api { get; }

    /// <summary>Every line the silo wrote to stdout so far.</summary>
    public IReadOnlyList<string> Output => _output.ToList();

    private SiloProcess(Process process, Uri api)
    {
        _process = process;
        Api = api;
    }

    /// <summary>Starts the silo with these settings (environment form) on top of its own, and waits until it is ready.</summary>
    public static async Task<SiloProcess> Start(IReadOnlyDictionary<string, string> settings)
    {
        var api = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = SiloDirectory(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("Zapnoty.Silo.dll");
        start.Environment["ConnectionStrings__Postgres"] = await TestDatabase.Create("process");
        start.Environment["ASPNETCORE_URLS"] = api.ToString().TrimEnd('/');
        start.Environment["Orleans__SiloPort"] = FreePort().ToString();
        start.Environment["Orleans__AdvertisedIP"] = "";
        start.Environment["Zapnoty__DataProtection__Key"] = TestDatabase.MasterKey;
        // Outside Development a silo needs an SMTP relay to start; tests that mail pass their fake's port.
        start.Environment["Zapnoty__Smtp__Host"] = "127.0.0.1";
        start.Environment["Zapnoty__Smtp__Port"] = FreePort().ToString();
        start.Environment["Zapnoty__Smtp__Security"] = "None";
        foreach (var (key, value) in settings) start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("The silo process did not start.");
        var silo = new SiloProcess(process, api);
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) silo._output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) silo._output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo.UntilReady();
        }
        catch
        {
            // A silo that never became ready must not outlive the test run.
            await silo.DisposeAsync();
            throw;
        }
        return silo;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task UntilReady()
    {
        using var http = new HttpClient { BaseAddress = Api, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The silo exited with {_process.ExitCode}:\n{string.Join('\n', Output)}");
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { } // not listening yet
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The silo never became ready:\n{string.Join('\n', Output)}");
            await Task.Delay(250);
        }
    }

    /// <summary>Zapnoty.Silo/bin/{configuration}/{framework}, built alongside these tests.</summary>
    private static string SiloDirectory()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Zapnoty.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException($"No Zapnoty.sln above {AppContext.BaseDirectory}.");
        var directory = Path.Combine(root.FullName, "Zapnoty.Silo", "bin", configuration, framework);
        return File.Exists(Path.Combine(directory, "Zapnoty.Silo.dll"))
            ? directory
            : throw new InvalidOperationException($"The silo is not built in {directory}.");
    }

    /// <summary>SIGKILL, as a crash: no drain, no goodbye to the cluster; its connections reset.</summary>
    public async Task Kill()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as Docker and systemd stop it; the silo leaves the cluster and exits.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString()])?.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
            try { await _process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process.Dispose();
    }
}
