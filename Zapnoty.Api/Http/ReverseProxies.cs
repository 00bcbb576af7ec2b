using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;

namespace Zapnoty.Api.Http;

/// <summary>
/// Which reverse proxies may tell us the client's IP with <c>X-Forwarded-For</c>. The login
/// limits count by that IP, so only proxies we trust may set it: loopback (the framework
/// default, a proxy on the same host) plus the addresses or CIDR networks listed,
/// comma-separated, in <c>Zapnoty:Http:KnownProxies</c>.
/// </summary>
public static class ReverseProxies
{
    public const string KnownProxiesKey = "Zapnoty:Http:KnownProxies";

    public static void Configure(ForwardedHeadersOptions options, IConfiguration configuration)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
        var listed = configuration[KnownProxiesKey] ?? "";
        foreach (var entry in listed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPAddress.TryParse(entry, out var address))
                options.KnownProxies.Add(address);
            else if (System.Net.IPNetwork.TryParse(entry, out var network))
                options.KnownIPNetworks.Add(network);
            else
                throw new InvalidOperationException($"{KnownProxiesKey}: '{entry}' is neither an IP address nor a CIDR network such as 10.0.0.0/8.");
        }
    }
}
