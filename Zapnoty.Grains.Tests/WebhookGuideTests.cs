using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Zapnoty.Grains.Tests.Guides;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The signature checks printed in docs/api/webhook-signatures.md, in Python, Node.js and C#,
/// run as printed against deliveries our webhook sender really signed: integrators copy them,
/// so they must accept what we send and refuse what an attacker could.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WebhookGuideTests(ClusterFixture cluster) : IAsyncLifetime
{
    private const string Guide = "webhook-signatures.md";
    private const string Snippet = "verify-webhook";

    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.Start();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    /// <summary>A request as a receiver got it, the clock it checks against (null: its own), and what it must decide.</summary>
    private sealed record Check(string Name, string Secret, string Id, string Timestamp, string Signature, byte[] Body, long? Now, bool Accepted);

    [Theory]
    [InlineData("python")]
    [InlineData("node")]
    [InlineData("csharp")]
    public async Task The_guide_code_accepts_a_real_delivery_and_refuses_a_tampered_stale_or_wrongly_keyed_one(string language)
    {
        var checks = await ChecksOfRealDeliveries();
        var verdicts = language switch
        {
            "python" => await Run("python3", ".py", GuideSnippets.Of(Guide, Snippet, language) + PythonHarness, checks),
            "node" => await Run("node", ".js", GuideSnippets.Of(Guide, Snippet, language) + NodeHarness, checks),
            _ => checks.Select(c => ZapnotyWebhook.Verify(c.Secret, c.Id, c.Timestamp, c.Signature, c.Body,
                c.Now is { } now ? DateTimeOffset.FromUnixTimeSeconds(now) : null)).ToList(),
        };
        Assert.Equal(checks.Select(c => $"{c.Name}: {(c.Accepted ? "accepted" : "refused")}"),
            checks.Zip(verdicts, (c, accepted) => $"{c.Name}: {(accepted ? "accepted" : "refused")}"));
    }

    [Fact]
    public void The_csharp_code_of_the_guide_is_the_code_these_tests_compile()
    {
        var compiled = File.ReadAllText(RepositoryFiles.PathOf("Zapnoty.Grains.Tests", "Guides", "ZapnotyWebhook.cs")).ReplaceLineEndings("\n");
        Assert.True(compiled == GuideSnippets.Of(Guide, Snippet, "csharp"),
            $"The C# block of docs/api/{Guide} and Zapnoty.Grains.Tests/Guides/ZapnotyWebhook.cs must be the same text: edit both.");
    }

    /// <summary>
    /// Two real ticket.replied deliveries of one endpoint, the second after a secret rotation (two
    /// signatures), and what an attacker could make of them. The reply text is not ASCII, so a check
    /// that handles the body as anything but its bytes fails.
    /// </summary>
    private async Task<IReadOnlyList<Check>> ChecksOfRealDeliveries()
    {
        var owner = await cluster.Api().LogInAs();
        var projectId = await owner.CreateProject();
        var endpoint = await owner.Post($"/v1/projects/{projectId}/webhooks", new { url = _receiver.Url("guide"), events = new[] { "ticket.replied" } });
        var webhookId = endpoint.GetProperty("id").GetGuid();
        var secret = endpoint.GetProperty("secret").GetString()!;
        var ticketId = (await owner.CreateTicket(projectId, externalId: "guide-reader")).GetProperty("id").GetGuid();

        await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "Привет, Ann — it ships today ✓" });
        var first = (await _receiver.WaitFor(got => got.Count >= 1, "guide"))[0];
        var rotated = await owner.Post($"/v1/projects/{projectId}/webhooks/{webhookId}/rotate-secret", new { }, HttpStatusCode.OK);
        var newSecret = rotated.GetProperty("secret").GetString()!;
        await owner.Post($"/v1/helpdesk/tickets/{ticketId}/replies", new { text = "The tracking number follows." });
        var second = (await _receiver.WaitFor(got => got.Count >= 2, "guide"))[1];
        Assert.Equal(2, second.Signature.Split(' ').Length);

        var body = Encoding.UTF8.GetBytes(first.Body);
        var sentAt = long.Parse(first.Timestamp);
        var strangersSecret = "whsec_" + Convert.ToBase64String(Encoding.ASCII.GetBytes("not-the-secret-of-this-endpoint!"));
        var valid = new Check("as delivered", secret, first.Id, first.Timestamp, first.Signature, body, null, true);
        return
        [
            valid,
            valid with { Name = "4 minutes after sending", Now = sentAt + 240 },
            valid with { Name = "body changed", Body = Encoding.UTF8.GetBytes(first.Body.Replace("today", "never")), Accepted = false },
            valid with { Name = "timestamp moved forward (a replay made fresh)", Timestamp = (sentAt + 60).ToString(), Now = sentAt + 60, Accepted = false },
            valid with { Name = "6 minutes after sending (a replay)", Now = sentAt + 360, Accepted = false },
            valid with { Name = "6 minutes before sending (a clock far off)", Now = sentAt - 360, Accepted = false },
            valid with { Name = "another id", Id = Guid.NewGuid().ToString(), Accepted = false },
            valid with { Name = "another secret", Secret = strangersSecret, Accepted = false },
            valid with { Name = "no signature", Signature = "", Accepted = false },
            new("after rotation, the new secret", newSecret, second.Id, second.Timestamp, second.Signature, Encoding.UTF8.GetBytes(second.Body), null, true),
            new("after rotation, the previous secret", secret, second.Id, second.Timestamp, second.Signature, Encoding.UTF8.GetBytes(second.Body), null, true),
        ];
    }

    /// <summary>Reads the checks as JSON on stdin and prints one verdict a line.</summary>
    private const string PythonHarness = """

        import base64 as _base64, json as _json, sys as _sys
        for _check in _json.load(_sys.stdin):
            _headers = {"webhook-id": _check["id"], "webhook-timestamp": _check["timestamp"], "webhook-signature": _check["signature"]}
            _body = _base64.b64decode(_check["body"])
            print("accepted" if verify_webhook(_check["secret"], _headers, _body, _check["now"]) else "refused")
        """;

    private const string NodeHarness = """

        for (const check of JSON.parse(require('node:fs').readFileSync(0, 'utf8'))) {
          const headers = { 'webhook-id': check.id, 'webhook-timestamp': check.timestamp, 'webhook-signature': check.signature };
          const body = Buffer.from(check.body, 'base64');
          const ok = check.now === null ? verifyWebhook(check.secret, headers, body) : verifyWebhook(check.secret, headers, body, check.now);
          console.log(ok ? 'accepted' : 'refused');
        }
        """;

    /// <summary>Runs the program with <paramref name="runtime"/>; a missing runtime fails the test, never skips it.</summary>
    private static async Task<IReadOnlyList<bool>> Run(string runtime, string extension, string program, IReadOnlyList<Check> checks)
    {
        var file = Path.Combine(Path.GetTempPath(), $"zapnoty-guide-{Guid.NewGuid():N}{extension}");
        await File.WriteAllTextAsync(file, program);
        try
        {
            var start = new ProcessStartInfo(runtime)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(file);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (Win32Exception e)
            {
                throw new InvalidOperationException(
                    $"`{runtime}` is not on PATH ({e.Message}). scripts/test.sh installs it; the guide's code must run, so this fails instead of skipping.", e);
            }
            using (process)
            {
                var input = JsonSerializer.Serialize(checks.Select(c => new
                {
                    secret = c.Secret, id = c.Id, timestamp = c.Timestamp, signature = c.Signature, body = Convert.ToBase64String(c.Body), now = c.Now,
                }));
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
                var output = process.StandardOutput.ReadToEndAsync();
                var errors = process.StandardError.ReadToEndAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                await process.WaitForExitAsync(timeout.Token);
                Assert.True(process.ExitCode == 0, $"{runtime} {file} exited with {process.ExitCode}:\n{await errors}");
                return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(line => line == "accepted").ToList();
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
