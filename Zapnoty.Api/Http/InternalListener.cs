using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace Zapnoty.Api.Http;

/// <summary>
/// A Kestrel listener of its own for operators' endpoints (metrics, the Orleans Dashboard),
/// configured as <c>Port</c> (0 or missing: off) and <c>Address</c> (loopback unless set).
/// </summary>
public readonly record struct InternalListener(int Port, IPAddress Address)
{
    /// <summary>The section's listener, or null when it has no port.</summary>
    public static InternalListener? From(IConfigurationSection section)
    {
        var port = section.GetValue<int?>("Port") ?? 0;
        if (port == 0) return null;
        var address = section["Address"] is { Length: > 0 } configured ? IPAddress.Parse(configured) : IPAddress.Loopback;
        return new InternalListener(port, address);
    }

    /// <summary>The URL Kestrel listens on, next to the API's.</summary>
    public string Url => Address.AddressFamily == AddressFamily.InterNetworkV6
        ? $"http://[{Address}]:{Port}"
        : $"http://{Address}:{Port}";
}
