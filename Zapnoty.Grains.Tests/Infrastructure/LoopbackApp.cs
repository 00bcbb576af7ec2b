using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// A small real HTTP server on a free 127.0.0.1 port, for what the tests stand in for
/// (messenger APIs, customers' webhook receivers).
/// </summary>
public static class LoopbackApp
{
    /// <summary>Builds the app, lets <paramref name="wrap"/> map its routes, and starts it.</summary>
    public static async Task<T> Start<T>(Func<WebApplication, T> wrap)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = wrap(app);
        await app.StartAsync();
        return server;
    }

    /// <summary>Where a started server listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public static string Address(IServiceProvider services) =>
        services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
