using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Email;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Login codes go to the person's mailbox and nowhere else: not into any log entry of any silo
/// at any level (where the JSON pipeline, an OTLP collector and the Orleans Dashboard's log
/// stream would pick them up), not into the email's subject.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class LoginCodeSecrecyTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_login_code_is_in_the_email_body_only_and_in_no_log_entry_of_either_silo_at_any_level()
    {
        var email = $"secret-{Guid.NewGuid():N}@example.com";
        var network = ApiClient.RandomClientIp();
        string code;
        IReadOnlyList<string> entries;
        using (var recording = LogCapture.Instance.Record())
        {
            await cluster.Api(0).WithClientIp(network).Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);
            code = await cluster.Smtp.WaitForCode(email, 0);
            await cluster.Api(1).WithClientIp(network).Call(HttpMethod.Post, "/v1/auth/verify", new { email, code = code == "00000000" ? "11111111" : "00000000" }, HttpStatusCode.BadRequest);
            await cluster.Api(1).WithClientIp(network).Call(HttpMethod.Post, "/v1/auth/verify", new { email, code }, HttpStatusCode.OK);
            entries = recording.Entries;
        }

        Assert.Contains(entries, e => e.Contains("logged in", StringComparison.Ordinal)); // the capture did hear the login
        Assert.DoesNotContain(entries, e => e.Contains(code, StringComparison.Ordinal));
        var mail = Assert.Single(cluster.Smtp.Received, m => m.To.Equals(email, StringComparison.OrdinalIgnoreCase));
        Assert.Equal("Your Zapnoty Helpdesk login code", mail.Subject);
    }

    [Fact]
    public async Task Without_smtp_a_code_reaches_the_log_only_through_the_development_switch()
    {
        var message = new EmailMessage("person@example.com", EmailTemplates.LoginCode, "Your Zapnoty Helpdesk login code", "Your Zapnoty Helpdesk login code is 24681357.");
        var capture = new LogCapture();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));

        using (var recording = capture.Record())
        {
            await new SmtpEmailSender(Options.Create(new SmtpOptions()), factory.CreateLogger<SmtpEmailSender>()).Send(message, CancellationToken.None);
            Assert.Contains(recording.Entries, e => e.Contains("login-code", StringComparison.Ordinal));
            Assert.DoesNotContain(recording.Entries, e => e.Contains("24681357", StringComparison.Ordinal));
        }
        using (var recording = capture.Record())
        {
            await new SmtpEmailSender(Options.Create(new SmtpOptions { LogCodes = true }), factory.CreateLogger<SmtpEmailSender>()).Send(message, CancellationToken.None);
            Assert.Contains(recording.Entries, e => e.Contains("24681357", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Outside_development_smtp_is_required_and_the_switch_is_refused()
    {
        Assert.Contains(new SmtpOptions().Problems(development: false), p => p.StartsWith("Zapnoty:Smtp:Host is not set", StringComparison.Ordinal));
        Assert.Contains(new SmtpOptions { Host = "smtp.example.com", LogCodes = true }.Problems(development: false),
            p => p.StartsWith("Zapnoty:Smtp:LogCodes", StringComparison.Ordinal));
        Assert.Empty(new SmtpOptions { LogCodes = true }.Problems(development: true));
    }

    [Fact]
    public async Task A_production_silo_without_an_smtp_host_refuses_to_start_and_says_why()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.Start(new Dictionary<string, string>
        {
            ["Zapnoty__Smtp__Host"] = "",
        }));
        Assert.Contains("Zapnoty:Smtp:Host is not set", failure.Message);
    }

    [Fact]
    public async Task A_development_silo_with_the_switch_prints_the_code_so_a_local_run_can_log_in()
    {
        await using var silo = await SiloProcess.Start(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Zapnoty__Smtp__Host"] = "",
            ["Zapnoty__Smtp__LogCodes"] = "true",
        });
        using var http = new HttpClient { BaseAddress = silo.Api };
        var api = new ApiClient(http, cluster.Smtp);
        var email = $"local-{Guid.NewGuid():N}@example.com";
        await api.Call(HttpMethod.Post, "/v1/auth/login", new { email }, HttpStatusCode.Accepted);

        string? code = null;
        await Poll.Eventually(() =>
        {
            code = silo.Output.Select(line => PrintedCode().Match(line)).FirstOrDefault(m => m.Success)?.Groups[1].Value;
            return Task.FromResult(code is not null);
        }, seconds: 10);
        await api.Call(HttpMethod.Post, "/v1/auth/verify", new { email, code }, HttpStatusCode.OK);
    }


    [GeneratedRegex(@"code is (\d{8})")]
    private static partial Regex PrintedCode();
}
