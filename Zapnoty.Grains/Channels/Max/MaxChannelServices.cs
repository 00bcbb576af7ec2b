using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Zapnoty.Grains.Channels.Max;

public static class MaxChannelServices
{
    /// <summary>
    /// The Max client, as a typed <see cref="HttpClient"/> client and as one of the
    /// <see cref="IMessengerClient"/>s, configured from <c>Zapnoty:Max</c>.
    /// </summary>
    /// <remarks>
    /// The client lives as long as the process (the messenger clients are singletons), so its
    /// handler is never rotated by the factory; pooled connections are recycled instead, which
    /// keeps DNS changes visible. The resilience handler retries reads only: a POST (a message,
    /// a subscription, a callback answer) is never repeated by it, since the delivery queue
    /// decides about retries and must not send anything twice.
    /// </remarks>
    public static IServiceCollection AddMaxChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MaxOptions>().Bind(configuration.GetSection(MaxOptions.Section))
            .Validate(o => o.IsValid, $"{MaxOptions.Section}: ApiBaseUrl must be an absolute http(s) URL and RequestTimeout longer than zero.")
            .ValidateOnStart();
        services.AddHttpClient<MaxMessengerClient>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<MaxOptions>>().Value;
                http.BaseAddress = options.BaseAddress;
                http.Timeout = options.RequestTimeout;
            })
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("max-reads", pipeline => pipeline.AddRetry(ReadRetries()));
        // Files: no redirects followed by the handler (MaxFiles checks each hop), no retries, no base address.
        services.AddHttpClient<MaxFiles>((provider, http) => http.Timeout = provider.GetRequiredService<IOptions<MaxOptions>>().Value.RequestTimeout)
            .UseSocketsHttpHandler((handler, _) =>
            {
                handler.AllowAutoRedirect = false;
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddSingleton<IMessengerClient>(provider => provider.GetRequiredService<MaxMessengerClient>());
        return services;
    }

    /// <summary>GET /me, on a 5xx, 408, 429 or a dropped connection: twice more, quickly (someone waits on the connect request).</summary>
    private static HttpRetryStrategyOptions ReadRetries()
    {
        var retries = new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 2,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            // A long Retry-After would hold the admin's request; a failed connect is better than a hanging one.
            ShouldRetryAfterHeader = false,
        };
        retries.DisableForUnsafeHttpMethods();
        return retries;
    }
}
