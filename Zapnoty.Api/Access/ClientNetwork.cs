using System.Net;
using System.Net.Sockets;

namespace Zapnoty.Api.Access;

/// <summary>What the per-IP login limits count a request against.</summary>
public static class ClientNetwork
{
    /// <summary>
    /// An IPv4 client by its address; an IPv6 client by its /64, because one subscriber is
    /// usually given a whole /64 and could otherwise take a fresh address for every request.
    /// Null when the connection has no IP (not over TCP).
    /// </summary>
    public static string? Of(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
