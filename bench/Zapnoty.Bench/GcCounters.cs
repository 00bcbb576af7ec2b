using System.Diagnostics;
using System.Globalization;

namespace Zapnoty.Bench;

/// <summary>
/// The managed heap of a silo process as the runtime reports it (the <c>System.Runtime</c>
/// meter, read by <c>dotnet-counters collect</c> into a CSV file once a second): the heap left
/// after the last collection and the memory the GC has committed. Resident memory alone does
/// not say how much of it is live objects: with the server GC a process keeps what it once
/// used. Optional: without <c>dotnet-counters</c> (path in <c>ZAPNOTY_BENCH_DOTNET_COUNTERS</c>,
/// which bench/run.sh installs) every figure reads as unknown.
/// </summary>
public sealed class GcCounters : IDisposable
{
    private const string HeapSize = "dotnet.gc.last_collection.heap.size";
    private const string Committed = "dotnet.gc.last_collection.memory.committed_size";
    private readonly Process? _collector;
    private readonly string _file;

    private GcCounters(Process? collector, string file)
    {
        _collector = collector;
        _file = file;
    }

    /// <summary>Whether a collector runs, so that readings will come.</summary>
    public bool Attached => _collector is { HasExited: false };

    public static GcCounters Attach(int pid)
    {
        var file = Path.Combine(Path.GetTempPath(), $"zapnoty-bench-gc-{pid}-{Guid.NewGuid():N}.csv");
        var tool = Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_DOTNET_COUNTERS");
        if (string.IsNullOrEmpty(tool) || !File.Exists(tool)) return new GcCounters(null, file);
        var start = new ProcessStartInfo(tool, ["collect", "-p", pid.ToString(), "--format", "csv", "-o", file, "--refresh-interval", "1",
            "--counters", $"System.Runtime[{HeapSize},{Committed}]"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var collector = Process.Start(start)!;
        collector.OutputDataReceived += (_, _) => { };
        // It complains when its target exits, which bench silos do; nothing else it says is needed.
        collector.ErrorDataReceived += (_, _) => { };
        collector.BeginOutputReadLine();
        collector.BeginErrorReadLine();
        return new GcCounters(collector, file);
    }

    /// <summary>
    /// The latest reading: managed heap after the last GC (all generations, LOH and POH) and GC
    /// committed memory; null when unknown.
    /// </summary>
    public GcReading? Latest()
    {
        if (_collector is null || !File.Exists(_file)) return null;
        // The tool writes one row per counter (and per generation) each second; keep the last of each.
        var last = new Dictionary<string, double>();
        using (var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            while (reader.ReadLine() is { } line)
            {
                var first = line.IndexOf(',');
                var lastComma = line.LastIndexOf(',');
                if (first < 0 || lastComma <= first) continue;
                var columns = line[(first + 1)..lastComma].Split(',');
                if (columns.Length < 3 || !double.TryParse(line[(lastComma + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
                last[string.Join(',', columns[1..^1])] = value;
            }
        }
        var heap = last.Where(c => c.Key.StartsWith(HeapSize, StringComparison.Ordinal)).ToList();
        // One row per generation (gen0, gen1, gen2, loh, poh): wait until the first reading is complete.
        if (heap.Count < 5) return null;
        var committed = last.FirstOrDefault(c => c.Key.StartsWith(Committed, StringComparison.Ordinal)).Value;
        return new GcReading((long)heap.Sum(c => c.Value), (long)committed);
    }

    public void Dispose()
    {
        if (_collector is not null)
        {
            try
            {
                if (!_collector.HasExited)
                {
                    // "q" ends a session cleanly; the target may already be gone.
                    _collector.StandardInput.Write('q');
                    _collector.StandardInput.Flush();
                    if (!_collector.WaitForExit(5000)) _collector.Kill();
                }
            }
            catch (IOException) { }
            catch (InvalidOperationException) { }
            _collector.Dispose();
        }
        try { File.Delete(_file); } catch (IOException) { }
    }
}

/// <summary>Managed heap after the last collection and memory committed by the GC, in bytes.</summary>
public sealed record GcReading(long Heap, long Committed);
