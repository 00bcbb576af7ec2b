using System.Net;
using Microsoft.Extensions.Configuration;
using Zapnoty.Api.Http;

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
    public static MetricsListener? From(IConfiguration configuration) =>
        InternalListener.From(configuration.GetSection(Section)) is { } listener ? new MetricsListener(listener.Port, listener.Address) : null;

    /// <summary>The URL Kestrel listens on for the scrape, next to the API's.</summary>
    public string Url => new InternalListener(Port, Address).Url;
}
