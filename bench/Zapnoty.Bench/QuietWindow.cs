namespace Zapnoty.Bench;

/// <summary>
/// A stretch of a benchmark that needs the machine to itself (latency goals stated for an idle
/// 2-core machine). When ZAPNOTY_BENCH_QUIET_FILE names a file, it is created for the stretch: other
/// work sharing the machine (builds of other checkouts, another benchmark's window: it waits up to 45
/// minutes for the file to go first) waits while it exists. A window for measuring
/// then waits up to five minutes for the 1-minute load average to fall under 3, and reports what it was.
/// </summary>
public sealed class QuietWindow : IAsyncDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5), MaxWaitForOthers = TimeSpan.FromMinutes(45);
    private readonly string? _file;
    private readonly double _loadAtStart;
    private readonly TimeSpan _waited;

    private QuietWindow(string? file, double loadAtStart, TimeSpan waited) => (_file, _loadAtStart, _waited) = (file, loadAtStart, waited);

    public static async Task<QuietWindow> Open(bool waitForLowLoad = true)
    {
        var file = Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_QUIET_FILE");
        var mine = $"benchmark pid {Environment.ProcessId}\n";
        var held = System.Diagnostics.Stopwatch.StartNew();
        // Another benchmark's window (or a person's `touch`) holds the machine: take turns. This
        // process's own window (loading, kept open into the measuring) does not count.
        while (!string.IsNullOrEmpty(file) && File.Exists(file) && await ReadOrEmpty(file) != mine && held.Elapsed < MaxWaitForOthers)
            await Task.Delay(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(file)) await File.WriteAllTextAsync(file, mine);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var load = await LoadAverage();
        while (waitForLowLoad && load >= 3 && waited.Elapsed < MaxWait)
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
            load = await LoadAverage();
        }
        return new QuietWindow(file, load, waited.Elapsed);
    }

    private static async Task<string> ReadOrEmpty(string file)
    {
        try { return await File.ReadAllTextAsync(file); }
        catch (IOException) { return ""; }
    }

    private static async Task<double> LoadAverage() =>
        File.Exists("/proc/loadavg") ? double.Parse((await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : 0;

    public override string ToString() =>
        $"quiet window opened after {_waited.TotalSeconds:F0} s at load average {_loadAtStart:F2}, at its end {LoadAverage().GetAwaiter().GetResult():F2}";

    public ValueTask DisposeAsync()
    {
        if (!string.IsNullOrEmpty(_file)) File.Delete(_file);
        return ValueTask.CompletedTask;
    }
}
