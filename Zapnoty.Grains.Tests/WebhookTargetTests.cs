using System.Net;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tests;

/// <summary>The SSRF guard, as an operator who does not allow private targets has it (the cluster tests allow them).</summary>
public sealed class WebhookTargetTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.20.0.5/hook")]
    [InlineData("http://192.168.1.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.0.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    public async Task Internal_addresses_are_refused(string url)
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => WebhookTargets.Validate(url, allowPrivate: false, CancellationToken.None));
        Assert.Equal("url", refused.Field);
        Assert.Contains("public addresses only", refused.Message);
    }

    [Theory]
    [InlineData("ftp://example.com/hook", "http")]
    [InlineData("file:///etc/passwd", "http")]
    [InlineData("/relative/hook", "absolute")]
    [InlineData("https://user:secret@example.com/hook", "user name")]
    public async Task Only_plain_http_and_https_urls_are_taken(string url, string reason)
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => WebhookTargets.Validate(url, allowPrivate: false, CancellationToken.None));
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public async Task Public_addresses_pass_and_the_operator_may_allow_private_ones()
    {
        Assert.Equal("https://93.184.215.14/hook", (await WebhookTargets.Validate("https://93.184.215.14/hook", false, CancellationToken.None)).ToString());
        Assert.Equal("http://127.0.0.1:9/hook", (await WebhookTargets.Validate("http://127.0.0.1:9/hook", true, CancellationToken.None)).ToString());
    }

    /// <summary>DNS can change after an endpoint was saved; the connection itself is checked too.</summary>
    [Fact]
    public async Task The_sender_will_not_connect_to_a_loopback_receiver_unless_allowed()
    {
        await using var receiver = await WebhookReceiver.Start();
        var endpoint = new WebhookEndpoint(new WebhookView(Guid.NewGuid(), receiver.Url(), ["ticket.*"], DateTimeOffset.UtcNow, null, null, null),
            WebhookSigning.NewSecret(), null);
        var delivery = new DueDelivery(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 0, "ticket.created", DateTimeOffset.UtcNow, "{}", null);

        using var guarded = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateTargets = false }), TimeProvider.System);
        var refused = await guarded.Send(endpoint, delivery, CancellationToken.None);
        Assert.Null(refused.StatusCode);
        Assert.Contains("no public address", refused.Error);
        Assert.Empty(receiver.Received);

        using var allowed = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateTargets = true }), TimeProvider.System);
        Assert.Equal((int)HttpStatusCode.OK, (await allowed.Send(endpoint, delivery, CancellationToken.None)).StatusCode);
        Assert.Single(receiver.Received);
    }
}
