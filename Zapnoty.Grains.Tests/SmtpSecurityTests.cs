using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Email;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The real MailKit sender against the fake relay, which speaks plain SMTP without STARTTLS:
/// what the defaults do with a relay that cannot protect the mail.
/// </summary>
public sealed class SmtpSecurityTests : IAsyncLifetime
{
    private readonly FakeSmtpServer _relay = new();

    private static EmailMessage Mail() => new("person@example.com", EmailTemplates.LoginCode, "Your Zapnoty Helpdesk login code", "Your Zapnoty Helpdesk login code is 12345678.");

    private SmtpEmailSender Sender(SmtpOptions options) => new(Options.Create(options), NullLogger<SmtpEmailSender>.Instance);

    [Fact]
    public async Task By_default_mail_goes_only_over_starttls_so_a_relay_without_it_gets_nothing()
    {
        var defaults = new SmtpOptions { Host = "127.0.0.1", Port = _relay.Port };
        Assert.Equal(SmtpSecurity.StartTls, defaults.Security);

        await Assert.ThrowsAnyAsync<Exception>(() => Sender(defaults).Send(Mail(), CancellationToken.None));
        Assert.Empty(_relay.Received);
    }

    [Fact]
    public async Task Credentials_are_never_sent_in_clear_text_even_when_starttls_is_optional()
    {
        var optional = new SmtpOptions { Host = "127.0.0.1", Port = _relay.Port, Security = SmtpSecurity.StartTlsWhenAvailable, User = "relay-user", Password = "relay-password" };

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Sender(optional).Send(Mail(), CancellationToken.None));
        Assert.Contains("never sent in clear text", refused.Message);
        Assert.DoesNotContain("relay-password", refused.Message);
        Assert.Empty(_relay.Received);
    }

    [Fact]
    public async Task Clear_text_is_an_explicit_choice_for_a_relay_on_this_machine_only()
    {
        var loopback = new SmtpOptions { Host = "127.0.0.1", Port = _relay.Port, Security = SmtpSecurity.None };
        Assert.Empty(loopback.Problems(development: false));
        await Sender(loopback).Send(Mail(), CancellationToken.None);
        Assert.Single(_relay.Received);

        Assert.Contains(new SmtpOptions { Host = "smtp.example.com", Security = SmtpSecurity.None }.Problems(development: false),
            p => p.StartsWith("Zapnoty:Smtp:Security=None", StringComparison.Ordinal));
        Assert.Contains(new SmtpOptions { Host = "localhost", Security = SmtpSecurity.None, User = "u" }.Problems(development: false),
            p => p.Contains("password in clear text", StringComparison.Ordinal));
        Assert.Empty(new SmtpOptions { Host = "smtp.example.com" }.Problems(development: false));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _relay.DisposeAsync().AsTask();
}
