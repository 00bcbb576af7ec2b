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
    [InlineData("https://[64:ff9b::a00:5]/hook")]                   // NAT64 of 10.0.0.5
    [InlineData("https://[64:ff9b::7f00:1]/hook")]                  // NAT64 of 127.0.0.1
    [InlineData("https://[64:ff9b::a9fe:a9fe]/hook")]               // NAT64 of 169.254.169.254
    [InlineData("https://[64:ff9b:1::5db8:d70e]/hook")]             // local-use NAT64
    [InlineData("https://[2002:a00:5::1]/hook")]                    // 6to4 of 10.0.0.5
    [InlineData("https://[2002:7f00:1::1]/hook")]                   // 6to4 of 127.0.0.1
    [InlineData("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook")] // Teredo
    [InlineData("https://[2001:2::1]/hook")]                        // benchmarking
    [InlineData("https://[::a00:5]/hook")]                          // IPv4-compatible ::10.0.0.5
    [InlineData("https://[::5db8:d70e]/hook")]                      // IPv4-compatible, even of a public address
    [InlineData("https://[::ffff:0:a00:5]/hook")]                   // IPv4-translated
    [InlineData("https://[100::1]/hook")]                           // discard-only
    [InlineData("https://[2001:db8::1]/hook")]                      // documentation
    [InlineData("https://[3fff::1]/hook")]                          // documentation
    [InlineData("https://[5f00::1]/hook")]                          // SRv6 SIDs
    [InlineData("https://[fd00:ec2::254]/hook")]                    // AWS metadata over IPv6
    [InlineData("https://192.0.2.1/hook")]                          // documentation
    [InlineData("https://198.51.100.7/hook")]                       // documentation
    [InlineData("https://203.0.113.9/hook")]                        // documentation
    [InlineData("https://192.88.99.1/hook")]                        // 6to4 relay anycast
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

    [Theory]
    [InlineData("https://[64:ff9b::5db8:d70e]/hook")]               // NAT64 of 93.184.215.14
    [InlineData("https://[2002:5db8:d70e::1]/hook")]                // 6to4 of 93.184.215.14
    [InlineData("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook")]
    public async Task Public_IPv6_addresses_and_ones_carrying_a_public_IPv4_address_pass(string url) =>
        Assert.Equal(new Uri(url), await WebhookTargets.Validate(url, allowPrivate: false, CancellationToken.None));

    /// <summary>Events carry customers' messages; on the internet they travel encrypted.</summary>
    [Fact]
    public async Task Plain_http_is_refused_for_public_receivers_and_a_saved_one_is_not_delivered_to()
    {
        var refused = await Assert.ThrowsAsync<DomainException>(() => WebhookTargets.Validate("http://93.184.215.14/hook", false, CancellationToken.None));
        Assert.Contains("https://", refused.Message);

        await using var receiver = await WebhookReceiver.Start();
        var (endpoint, delivery) = Event(receiver.Url());
        using var sender = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateTargets = false }), TimeProvider.System);
        Assert.Contains("https://", (await sender.Send(endpoint, delivery, CancellationToken.None)).Error);
        Assert.Empty(receiver.Received);
    }

    /// <summary>DNS can change after an endpoint was saved; the connection itself is checked too.</summary>
    [Fact]
    public async Task The_sender_will_not_connect_to_a_loopback_receiver_unless_allowed()
    {
        await using var receiver = await WebhookReceiver.Start();
        var (endpoint, delivery) = Event(receiver.Url());
        // TLS never starts: the connection is refused first.
        var (encrypted, _) = Event(receiver.Url().Replace("http://", "https://"));

        using var guarded = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateTargets = false }), TimeProvider.System);
        var refused = await guarded.Send(encrypted, delivery, CancellationToken.None);
        Assert.Null(refused.StatusCode);
        Assert.Contains("no public address", refused.Error);
        Assert.Empty(receiver.Received);

        using var allowed = new WebhookSender(Options.Create(new WebhookOptions { AllowPrivateTargets = true }), TimeProvider.System);
        Assert.Equal((int)HttpStatusCode.OK, (await allowed.Send(endpoint, delivery, CancellationToken.None)).StatusCode);
        Assert.Single(receiver.Received);
    }

    /// <summary>An endpoint at <paramref name="url"/> and an event for it, as the dispatcher hands them to the sender.</summary>
    internal static (WebhookEndpoint Endpoint, DueDelivery Delivery) Event(string url) =>
        (new WebhookEndpoint(new WebhookView(Guid.NewGuid(), url, ["ticket.*"], DateTimeOffset.UtcNow, null, null, null), WebhookSigning.NewSecret(), null),
         new DueDelivery(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 0, "ticket.created", DateTimeOffset.UtcNow, "{}", null));
}
