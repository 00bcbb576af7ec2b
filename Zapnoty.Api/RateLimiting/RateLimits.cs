using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Zapnoty.Api.Problems;

namespace Zapnoty.Api.RateLimiting;

/// <summary>Registers the framework's rate limiter with <see cref="ClusterRateLimiter"/> as the limiter of every route.</summary>
public static class RateLimits
{
    public static IServiceCollection AddZapnotyRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.IsValid, $"{RateLimitOptions.Section}: every PermitsPerMinute must be at least 1, MaxLease at least 1 and LeaseLifetime longer than zero.")
            .ValidateOnStart();
        services.AddSingleton<ClusterRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ClusterRateLimiter>((o, limiter) =>
        {
            o.GlobalLimiter = limiter;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = Refuse;
        });
        return services;
    }

    /// <summary>The 429 as a problem; the limiter already set <c>Retry-After</c> and the <c>RateLimit-*</c> fields.</summary>
    private static async ValueTask Refuse(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var partition = http.Items[ClusterRateLimiter.PartitionItem] as RatePartition;
        var retry = http.Response.Headers.RetryAfter.ToString();
        var detail = partition is null
            ? "Too many requests; slow down."
            : $"The budget of {partition.Description} ({partition.Budget.PermitsPerMinute} a minute) is spent; retry after {retry} s.";
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = Titles.For(429), Detail = detail },
        });
    }

    /// <summary>The published limits, for the OpenAPI description.</summary>
    public static string Published(RateLimitOptions o) =>
        $"Rate limits: per credential (session or API key) {o.Reads.PermitsPerMinute} reads and {o.Writes.PermitsPerMinute} writes a minute; " +
        $"without a valid credential {o.Anonymous.PermitsPerMinute} requests a minute per client network (IPv4 address or IPv6 /64); " +
        $"a bot's webhook {o.BotWebhooks.PermitsPerMinute} updates a minute; a payment provider's notifications {o.PaymentWebhooks.PermitsPerMinute} a minute. A whole minute's budget may be spent at once. " +
        "Every answer of a limited route carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds until the budget is whole); " +
        "over the budget the answer is 429 with Retry-After (seconds) and a problem body. Health checks are not limited.";
}
