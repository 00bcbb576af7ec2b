using System.Net;
using System.Net.Sockets;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// Keeps webhooks away from our own network (SSRF): an endpoint must be https (http only where
/// private targets are allowed) and resolve only to public addresses. Checked when an endpoint is saved, for a clear 400, and again
/// on every connection, since DNS may answer differently later.
/// </summary>
public static class WebhookTargets
{
    /// <summary>The URL, or a refusal naming what is wrong with it.</summary>
    public static async Task<Uri> Validate(string? url, bool allowPrivate, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(url))
            throw DomainException.Invalid("url", "The url is required.");
        if (url.Length > WebhookLimits.MaxUrlLength)
            throw DomainException.Invalid("url", $"The url must be at most {WebhookLimits.MaxUrlLength} characters.");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw DomainException.Invalid("url", "The url must be an absolute http:// or https:// address.");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw DomainException.Invalid("url", "The url must not carry a user name or password.");
        if (allowPrivate) return uri;

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            throw DomainException.Invalid("url", $"The host '{uri.Host}' does not resolve.");
        }
        if (addresses.Length == 0)
            throw DomainException.Invalid("url", $"The host '{uri.Host}' does not resolve.");
        if (addresses.FirstOrDefault(a => !IsPublic(a)) is { } internalAddress)
            throw DomainException.Invalid("url", $"The host '{uri.Host}' resolves to {internalAddress}, a loopback, link-local or private address; webhooks go to public addresses only.");
        if (!SchemeAllowed(uri, allowPrivate))
            throw DomainException.Invalid("url", "Webhooks to public addresses must use https://: events carry customers' messages.");
        return uri;
    }

    /// <summary>
    /// Whether a delivery to <paramref name="uri"/> may go out: over TLS, or over plain http only
    /// where the operator allows private targets (a receiver on the same machine or network).
    /// </summary>
    public static bool SchemeAllowed(Uri uri, bool allowPrivate) => allowPrivate || uri.Scheme == Uri.UriSchemeHttps;

    /// <summary>Connects like the default handler, but only to public addresses unless allowed otherwise.</summary>
    public static ValueTask<Stream> Connect(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken cancellationToken) =>
        Connect(context, allowPrivate ? _ => true : IsPublic, cancellationToken);

    /// <summary>Connects like the default handler, but only to the addresses <paramref name="allowedAddress"/> lets through.</summary>
    public static async ValueTask<Stream> Connect(SocketsHttpConnectionContext context, Func<IPAddress, bool> allowedAddress, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(allowedAddress).ToArray();
        if (allowed.Length == 0)
            throw new HttpRequestException($"{host} resolves to no public address; refusing to connect.");

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether an address is one the public internet routes to somebody else: not ours, not a
    /// neighbour's, not special-purpose (IANA's IPv4 and IPv6 special-purpose registries). IPv6
    /// forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by that IPv4 address,
    /// since a NAT64 gateway or 6to4 relay would carry the request to it.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.Equals(IPAddress.Broadcast) || address.Equals(IPAddress.IPv6None))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return IsPublicIPv4(address.GetAddressBytes());
        var b = address.GetAddressBytes();
        if (EmbeddedIPv4(b) is { } embedded)
            return IsPublicIPv4(embedded);
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || BlockedIPv6.Any(range => range.Contains(b)));
    }

    private static bool IsPublicIPv4(byte[] b) =>
        !(b[0] == 10                                              // 10.0.0.0/8
        || b[0] == 0                                              // 0.0.0.0/8 "this network"
        || b[0] == 127                                            // 127.0.0.0/8 loopback (also when embedded in IPv6)
        || (b[0] == 100 && (b[1] & 0xC0) == 64)                   // 100.64.0.0/10 carrier-grade NAT
        || (b[0] == 169 && b[1] == 254)                           // 169.254.0.0/16 link-local, cloud metadata
        || (b[0] == 172 && (b[1] & 0xF0) == 16)                   // 172.16.0.0/12
        || (b[0] == 192 && b[1] == 168)                           // 192.168.0.0/16
        || (b[0] == 192 && b[1] == 0 && b[2] == 0)                // 192.0.0.0/24 protocol assignments
        || (b[0] == 192 && b[1] == 0 && b[2] == 2)                // 192.0.2.0/24 documentation
        || (b[0] == 192 && b[1] == 88 && b[2] == 99)              // 192.88.99.0/24 6to4 relay anycast (deprecated)
        || (b[0] == 198 && (b[1] & 0xFE) == 18)                   // 198.18.0.0/15 benchmarking
        || (b[0] == 198 && b[1] == 51 && b[2] == 100)             // 198.51.100.0/24 documentation
        || (b[0] == 203 && b[1] == 0 && b[2] == 113)              // 203.0.113.0/24 documentation
        || b[0] >= 224);                                          // multicast and reserved, broadcast

    /// <summary>The IPv4 address inside a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address, else null.</summary>
    private static byte[]? EmbeddedIPv4(byte[] b)
    {
        if (Nat64.Contains(b)) return b[12..16];
        if (SixToFour.Contains(b)) return b[2..6];
        return null;
    }

    private static readonly IPv6Range Nat64 = new("64:ff9b::", 96);
    private static readonly IPv6Range SixToFour = new("2002::", 16);

    /// <summary>IPv6 special-purpose ranges no webhook receiver lives in (besides loopback, link-local, site-local and multicast).</summary>
    private static readonly IPv6Range[] BlockedIPv6 =
    [
        new("::", 96),               // IPv4-compatible ::a.b.c.d (deprecated; a tunnel endpoint if anything)
        new("::ffff:0:0:0", 96),     // IPv4-translated (SIIT)
        new("64:ff9b:1::", 48),      // local-use NAT64: translates into a private network by design
        new("100::", 64),            // discard-only
        new("100:0:0:1::", 64),      // dummy prefix
        new("2001::", 23),           // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
        new("2001:db8::", 32),       // documentation
        new("3fff::", 20),           // documentation
        new("5f00::", 16),           // segment routing (SRv6) SIDs
        new("fc00::", 7),            // unique local, including AWS's fd00:ec2::254
    ];

    private sealed class IPv6Range(string prefix, int length)
    {
        private readonly byte[] _prefix = IPAddress.Parse(prefix).GetAddressBytes();

        public bool Contains(byte[] address)
        {
            var whole = length / 8;
            if (!address.AsSpan(0, whole).SequenceEqual(_prefix.AsSpan(0, whole))) return false;
            var rest = length % 8;
            if (rest == 0) return true;
            var mask = (byte)(0xFF << (8 - rest));
            return (address[whole] & mask) == (_prefix[whole] & mask);
        }
    }
}
