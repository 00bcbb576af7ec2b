using System.Net;
using System.Net.Sockets;

namespace Zapnoty.Grains.Webhooks;

/// <summary>
/// Keeps webhooks away from our own network (SSRF): an endpoint must be http(s) and resolve
/// only to public addresses. Checked when an endpoint is saved, for a clear 400, and again
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
        return uri;
    }

    /// <summary>Connects like the default handler, but only to public addresses unless allowed otherwise.</summary>
    public static async ValueTask<Stream> Connect(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = allowPrivate ? addresses : addresses.Where(IsPublic).ToArray();
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

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.Equals(IPAddress.Broadcast) || address.Equals(IPAddress.IPv6None))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 10                                   // 10.0.0.0/8
                || b[0] == 0                                      // 0.0.0.0/8 "this network"
                || (b[0] == 100 && (b[1] & 0xC0) == 64)           // 100.64.0.0/10 carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                   // 169.254.0.0/16 link-local, cloud metadata
                || (b[0] == 172 && (b[1] & 0xF0) == 16)           // 172.16.0.0/12
                || (b[0] == 192 && b[1] == 168)                   // 192.168.0.0/16
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)        // 192.0.0.0/24 protocol assignments
                || (b[0] == 198 && (b[1] & 0xFE) == 18)           // 198.18.0.0/15 benchmarking
                || b[0] >= 224);                                  // multicast and reserved
        }
        var bytes = address.GetAddressBytes();
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (bytes[0] & 0xFE) == 0xFC);                        // fc00::/7 unique local
    }
}
