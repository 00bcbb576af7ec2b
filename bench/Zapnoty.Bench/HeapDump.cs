using System.Diagnostics;
using System.Globalization;

namespace Zapnoty.Bench;

/// <summary>
/// What a silo's managed heap holds, from <c>dotnet-gcdump report -p</c>: the runtime walks the
/// heap after a full, blocking GC it induces, so the total is live objects only (without the
/// free space between them that the GC's own heap size counts), and objects of chosen types
/// are counted. Optional: without <c>dotnet-gcdump</c> (path in
/// <c>ZAPNOTY_BENCH_DOTNET_GCDUMP</c>, which bench/run.sh installs) there is no dump.
/// </summary>
public static class HeapDump
{
    /// <summary>The types counted: reminders the silo holds in memory (ticking or stopped), reminder rows being read, ticket activations.</summary>
    public const string LocalReminder = "Orleans.Runtime.ReminderService.LocalReminderService+LocalReminderData";
    public const string ReminderEntry = "Orleans.ReminderEntry";
    public const string TicketGrain = "Zapnoty.Grains.Tickets.TicketGrain";
    private static readonly string[] Counted = [LocalReminder, ReminderEntry, TicketGrain];

    /// <summary>Takes a dump; its full report goes to <paramref name="saveAs"/> when given.</summary>
    public static async Task<HeapReading?> Take(int pid, string? saveAs = null)
    {
        var tool = Environment.GetEnvironmentVariable("ZAPNOTY_BENCH_DOTNET_GCDUMP");
        if (string.IsNullOrEmpty(tool) || !File.Exists(tool)) return null;
        var start = new ProcessStartInfo(tool, ["report", "-p", pid.ToString()]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        long? live = null;
        var counts = Counted.ToDictionary(t => t, _ => 0L);
        await using var saved = saveAs is null ? null : new StreamWriter(saveAs);
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (saved is not null) await saved.WriteLineAsync(line);
            // "     23,972,439  GC Heap bytes", then rows of "bytes  count  type  [assembly]" (big objects in rows of their own).
            var columns = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length < 3 || !long.TryParse(columns[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var first)) continue;
            if (line.EndsWith("GC Heap bytes", StringComparison.Ordinal)) live = first;
            else if (long.TryParse(columns[1], NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var count))
                foreach (var type in Counted)
                    if (Names(columns[2].TrimStart(), type)) counts[type] += count;
        }
        await process.WaitForExitAsync();
        if (live is null)
        {
            Console.Error.WriteLine($"dotnet-gcdump: no heap size ({(await stderr).Trim()})");
            return null;
        }
        return new HeapReading(live.Value, counts[LocalReminder], counts[ReminderEntry], counts[TicketGrain]);
    }

    /// <summary>The report names a nested type by its own name only ("LocalReminderData").</summary>
    private static bool Names(string row, string type) =>
        row.StartsWith(type + " ", StringComparison.Ordinal) || row.StartsWith(type[(type.LastIndexOf('+') + 1)..] + " ", StringComparison.Ordinal);
}

/// <summary>Live managed objects after a full GC, in bytes, and how many objects of the counted types it held.</summary>
public sealed record HeapReading(long Live, long LocalReminders, long ReminderEntries, long TicketGrains);
