using System.Net;
using System.Security.Cryptography;
using System.Text;
using Orleans.Dashboard;
using Zapnoty.Api.Http;

namespace Zapnoty.Silo;

/// <summary>
/// The Orleans Dashboard (grains, silos, reminders, a live log) for operators, off unless
/// <c>Zapnoty:Dashboard:Orleans:Port</c> is set. It shows internals and streams the log, so it
/// never answers on the public API port: Kestrel gets a second listener (loopback unless
/// <c>Address</c> says otherwise) and the dashboard's routes refuse requests that arrived on any
/// other local port. A listener reachable from other machines needs a password (basic auth).
/// </summary>
public sealed record OrleansDashboardHosting(int Port, IPAddress Address, string User, string? Password)
{
    public const string Section = "Zapnoty:Dashboard:Orleans";
    /// <summary>Under a prefix, so the agents' dashboard and the API keep the root of every port.</summary>
    public const string RoutePrefix = "/orleans";

    /// <summary>The settings, or null when the dashboard is off (no port configured).</summary>
    public static OrleansDashboardHosting? From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (InternalListener.From(section) is not { } listener) return null;
        var (port, address) = listener;
        var password = section["Password"] is { Length: > 0 } secret ? secret : null;
        if (password is null && !IPAddress.IsLoopback(address))
            throw new InvalidOperationException(
                $"{Section}:Address {address} is reachable from other machines: set {Section}:Password as well.");
        return new OrleansDashboardHosting(port, address, section["User"] is { Length: > 0 } user ? user : "operator", password);
    }

    /// <summary>The URL Kestrel listens on for the dashboard, next to the API's.</summary>
    public string Url => new InternalListener(Port, Address).Url;

    /// <summary>The dashboard's routes under <see cref="RoutePrefix"/>, answering only on its own port.</summary>
    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapOrleansDashboard(RoutePrefix).AddEndpointFilter((context, next) => Guard(context, next));

    private ValueTask<object?> Guard(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // The local port, not the Host header: a client chooses the header, and a published
        // Docker port changes it anyway.
        if (http.Connection.LocalPort != Port) return ValueTask.FromResult<object?>(Results.NotFound());
        if (Password is not null && !HasCredentials(http.Request))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"Orleans Dashboard\", charset=\"UTF-8\"";
            return ValueTask.FromResult<object?>(Results.Unauthorized());
        }
        return next(context);
    }

    private bool HasCredentials(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        byte[] given;
        try { given = Convert.FromBase64String(header["Basic ".Length..].Trim()); }
        catch (FormatException) { return false; }
        // Hashes of equal length, so the comparison takes the same time whatever was sent.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(given), SHA256.HashData(Encoding.UTF8.GetBytes($"{User}:{Password}")));
    }
}
