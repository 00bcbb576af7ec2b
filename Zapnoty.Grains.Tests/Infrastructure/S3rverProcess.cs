using System.Diagnostics;
using System.Net.Sockets;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// s3rver (an S3-compatible server in Node.js) on 127.0.0.1 with one bucket, its data in a
/// temporary directory; installed by scripts/test.sh, which names it in ZAPNOTY_TEST_S3RVER.
/// Its default credentials are S3RVER / S3RVER.
/// </summary>
public sealed class S3rverProcess : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly Process _process;
    private readonly string _directory;

    private S3rverProcess(Process process, string directory, int port, string bucket)
    {
        _process = process;
        _directory = directory;
        ServiceUrl = $"http://127.0.0.1:{port}";
        Bucket = bucket;
    }

    public string ServiceUrl { get; }
    public string Bucket { get; }

    public static async Task<S3rverProcess> Start(string bucket)
    {
        var script = Environment.GetEnvironmentVariable("ZAPNOTY_TEST_S3RVER");
        if (string.IsNullOrEmpty(script) || !File.Exists(script))
            throw new InvalidOperationException("s3rver is not installed: run the tests with scripts/test.sh, which installs it (ZAPNOTY_TEST_S3RVER).");
        var port = SiloProcess.FreePort();
        var directory = Directory.CreateTempSubdirectory("zapnoty-s3rver-").FullName;
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, "-d", directory, "-a", "127.0.0.1", "-p", port.ToString(), "--silent", "--configure-bucket", bucket })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new S3rverProcess(process, directory, port, bucket);
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (process.HasExited) throw new InvalidOperationException($"s3rver exited with {process.ExitCode}.");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException)
            {
            }
        }
        await server.DisposeAsync();
        throw new TimeoutException("s3rver did not listen within 20 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
