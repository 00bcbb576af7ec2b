using Microsoft.AspNetCore.Http;
using Zapnoty.Api.Access;
using Zapnoty.Grains.RateLimiting;

namespace Zapnoty.Api.RateLimiting;

/// <summary>Endpoint metadata: the route is a messenger's bot webhook, limited per bot rather than per network.</summary>
public sealed class BotWebhookRateLimit
{
    public static readonly BotWebhookRateLimit Instance = new();
}

/// <summary>
/// Endpoint metadata: the route is a payment provider's notification, limited per provider rather
/// than per network (a provider posts every shop's notifications from a few addresses).
/// </summary>
public sealed class PaymentWebhookRateLimit(string provider)
{
    public string Provider { get; } = provider;
}

/// <summary>
/// Whose budget a request spends. <paramref name="Key"/> names the partition without any secret
/// (a credential's id, a network, a bot id); <paramref name="ClusterWide"/> budgets are shared by
/// all silos through a grain, the others are counted on each silo.
/// </summary>
public sealed record RatePartition(string Key, string Description, RateBudget Budget, bool ClusterWide)
{
    /// <summary>Telegram's and Max's bot ids are numbers; anything else is no bot of ours.</summary>
    public const int MaxBotIdLength = 20;

    public static RatePartition? Of(HttpContext context, RateLimitOptions options)
    {
        if (!options.Enabled) return null;
        if (context.GetEndpoint()?.Metadata.GetMetadata<BotWebhookRateLimit>() is not null
            && context.Request.RouteValues["botId"] is string botId && IsBotId(botId))
            // The messengers post from a few addresses for all bots, so never per network here. Counted
            // per silo: the id is not checked yet, and a grain per made-up id is what this must not cost.
            return new RatePartition($"bot:{context.Request.Path.Value?.Split('/')[3]}:{botId}", "this bot's updates",
                options.BotWebhooks.Budget, ClusterWide: false);
        if (context.GetEndpoint()?.Metadata.GetMetadata<PaymentWebhookRateLimit>() is { } payments)
            // A few fixed partitions, so cluster-wide costs one budget grain per provider.
            return new RatePartition($"payments:{payments.Provider}", "this payment provider's notifications",
                options.PaymentWebhooks.Budget, ClusterWide: true);
        if (BearerAuthentication.CredentialOf(context) is { } credential)
            return IsRead(context.Request.Method)
                ? new RatePartition($"reads:{credential.Id:N}", "this credential's reads", options.Reads.Budget, ClusterWide: true)
                : new RatePartition($"writes:{credential.Id:N}", "this credential's writes", options.Writes.Budget, ClusterWide: true);
        var network = ClientNetwork.Of(context.Connection.RemoteIpAddress) ?? "unknown";
        return new RatePartition($"anonymous:{network}", "requests without a valid credential from your network",
            options.Anonymous.Budget, ClusterWide: true);
    }

    public static bool IsBotId(string botId) => botId.Length is > 0 and <= MaxBotIdLength && botId.All(char.IsAsciiDigit);

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
}
