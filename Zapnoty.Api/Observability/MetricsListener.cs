using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace Zapnoty.Api.Observability;

/// <summary>
/// Where <c>/metrics</c> is served: a listener of its own, never the API's port, because the
/// scrape names the database host and user, per-route traffic and per-tenant volumes. Off unless
/// <c>Zapnoty:Metrics:Port</c> is set; on loopback unless <c>Zapnoty:Metrics:Address</c> says
/// otherwise (in containers: the private network Prometheus scrapes, never a published port).
/// </summary>
public sealed record MetricsListener(int Port, IPAddress Address)
{
    public const string Section = "Zapnoty:Metrics";

    /// <summary>The settings, or null when metrics are not served (no port configured).</summary>
    public static MetricsListener? From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var port = section.GetValue<int?>("Port") ?? 0;
        if (port == 0) return null;
        var address = section["Address"] is { Length: > 0 } configured ? IPAddress.Parse(configured) : IPAddress.Loopback;
        return new MetricsListener(port, address);
    }

    /// <summary>The URL Kestrel listens on for the scrape, next to the API's.</summary>
    public string Url => Address.AddressFamily == AddressFamily.InterNetworkV6
        ? $"http://[{Address}]:{Port}"
        : $"http://{Address}:{Port}";
}
