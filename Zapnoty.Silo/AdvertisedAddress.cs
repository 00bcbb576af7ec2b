using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Zapnoty.Silo;

/// <summary>
/// The address a silo gives the others to reach it (<c>Orleans:AdvertisedIP</c>): unset means
/// loopback (one host), an IP means itself, and <c>auto</c> means this machine's own IPv4
/// address. Containers need <c>auto</c>: under <c>docker compose --scale</c> every replica gets
/// an address of its own that nobody knows before it starts.
/// </summary>
public static class AdvertisedAddress
{
    public const string Auto = "auto";

    public static IPAddress From(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured)) return IPAddress.Loopback;
        if (string.Equals(configured.Trim(), Auto, StringComparison.OrdinalIgnoreCase)) return OwnAddress();
        return IPAddress.TryParse(configured, out var address)
            ? address
            : throw new InvalidOperationException($"Orleans:AdvertisedIP '{configured}' is neither an IP address nor '{Auto}'.");
    }

    /// <summary>
    /// The first IPv4 address of an interface that is not down, preferring one with a default
    /// gateway: in a container that is its network's address; on a host with Docker it is the
    /// real network card rather than the docker0 bridge.
    /// </summary>
    private static IPAddress OwnAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus != OperationalStatus.Down && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .Select(n => n.GetIPProperties())
            .OrderByDescending(p => p.GatewayAddresses.Count > 0)
            .SelectMany(p => p.UnicastAddresses.Select(u => u.Address))
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException(
            $"Orleans:AdvertisedIP is '{Auto}', but this machine has no IPv4 address besides loopback: set the address itself.");
}
