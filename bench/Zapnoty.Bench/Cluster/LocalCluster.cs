using System.Diagnostics;

namespace Zapnoty.Bench.Cluster;

/// <summary>Where silo <c>I</c> of a <c>scripts/cluster.sh</c> cluster listens, by the script's port rule.</summary>
public sealed record ClusterPorts(int Http, int Silo, int Gateway)
{
    public Uri Url(int silo) => new($"http://127.0.0.1:{Http + silo - 1}");
    public int SiloPort(int silo) => Silo + silo - 1;
}

/// <summary>
/// A cluster run by <c>scripts/cluster.sh</c> (start, add, stop), which this check exists to
/// prove, plus the signals an orchestrator sends to one silo: SIGTERM to stop it, SIGKILL to
/// crash it. Silos are not our children (the script started them), so the pid comes from the
/// script's pid file and an exit is seen in /proc.
/// </summary>
public sealed class LocalCluster(string root, string dir, ClusterPorts ports, IReadOnlyDictionary<string, string> environment)
{
    public ClusterPorts Ports => ports;
    public string Directory => dir;

    public Task Start(int silos, CancellationToken cancellationToken) => Script(cancellationToken, "start", silos.ToString());
    public Task Add(int silo, CancellationToken cancellationToken) => Script(cancellationToken, "add", silo.ToString());
    public Task Stop(CancellationToken cancellationToken) => Script(cancellationToken, "stop");

    public int Pid(int silo) => int.Parse(File.ReadAllText(Path.Combine(dir, $"silo-{silo}.pid")).Trim());

    public string Log(int silo) => File.ReadAllText(Path.Combine(dir, $"silo-{silo}.log"));

    /// <summary>How often <paramref name="text"/> appears in the logs of the silos started so far.</summary>
    public int CountInLogs(string text) => System.IO.Directory.GetFiles(dir, "silo-*.log")
        .Sum(file => File.ReadLines(file).Count(line => line.Contains(text, StringComparison.Ordinal)));

    /// <summary>The lines of silo <c>i</c>'s log that contain <paramref name="text"/>, for each silo started so far.</summary>
    public IEnumerable<(int Silo, string Line)> LinesInLogs(string text) => System.IO.Directory.GetFiles(dir, "silo-*.log")
        .SelectMany(file => File.ReadLines(file).Where(line => line.Contains(text, StringComparison.Ordinal))
            .Select(line => (int.Parse(Path.GetFileNameWithoutExtension(file)["silo-".Length..]), line)));

    public void Terminate(int silo) => Process.Start("kill", ["-TERM", Pid(silo).ToString()])!.WaitForExit();

    public void Kill(int silo) => Process.Start("kill", ["-KILL", Pid(silo).ToString()])!.WaitForExit();

    /// <summary>Gone, or a zombie nobody reaped yet (the container's first process may not reap).</summary>
    public bool HasExited(int silo)
    {
        var stat = $"/proc/{Pid(silo)}/stat";
        if (!File.Exists(stat)) return true;
        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException) { return true; }
    }

    private async Task Script(CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(root, "scripts", "cluster.sh"), args) { WorkingDirectory = root };
        start.Environment["ZAPNOTY_CLUSTER_DIR"] = dir;
        start.Environment["ZAPNOTY_CLUSTER_PORT"] = ports.Http.ToString();
        start.Environment["ZAPNOTY_CLUSTER_SILO_PORT"] = ports.Silo.ToString();
        start.Environment["ZAPNOTY_CLUSTER_NO_BUILD"] = "1";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var script = Process.Start(start)!;
        await script.WaitForExitAsync(cancellationToken);
        if (script.ExitCode != 0)
            throw new InvalidOperationException($"scripts/cluster.sh {string.Join(' ', args)} exited with {script.ExitCode}");
    }
}
