using Zapnoty.Grains.RateLimiting;

namespace Zapnoty.Api.RateLimiting;

/// <summary>One budget in configuration: requests per minute, and at most <see cref="Burst"/> at once (default: a minute's worth).</summary>
public sealed class BudgetOptions
{
    public int PermitsPerMinute { get; set; }
    public int Burst { get; set; }

    public RateBudget Budget => new(PermitsPerMinute, Burst > 0 ? Burst : PermitsPerMinute);

    public bool IsValid => PermitsPerMinute >= 1 && Burst >= 0;
}

/// <summary>Configuration section <c>Zapnoty:RateLimits</c>: the published request budgets.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Zapnoty:RateLimits";

    /// <summary>Off only for benchmarks that measure the server rather than the limits.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>GET (and HEAD, OPTIONS) per credential: a session or an API key.</summary>
    public BudgetOptions Reads { get; set; } = new() { PermitsPerMinute = 600 };

    /// <summary>POST, PUT, PATCH and DELETE per credential, a budget of their own.</summary>
    public BudgetOptions Writes { get; set; } = new() { PermitsPerMinute = 300 };

    /// <summary>Requests without a valid credential (logins, refused tokens) per client network: an IPv4 address or an IPv6 /64.</summary>
    public BudgetOptions Anonymous { get; set; } = new() { PermitsPerMinute = 120 };

    /// <summary>A messenger's updates per bot: far above what Telegram or Max send a bot, so they are never throttled in normal use.</summary>
    public BudgetOptions BotWebhooks { get; set; } = new() { PermitsPerMinute = 6000 };

    /// <summary>A payment provider's notifications (all projects together): far above a helpdesk's payments.</summary>
    public BudgetOptions PaymentWebhooks { get; set; } = new() { PermitsPerMinute = 3000 };

    /// <summary>The most permits a silo takes from a cluster-wide budget in one grain call.</summary>
    public int MaxLease { get; set; } = 10;

    /// <summary>Permits a silo took but did not use within this time are dropped, so they cannot pile up for a later burst.</summary>
    public TimeSpan LeaseLifetime { get; set; } = TimeSpan.FromSeconds(2);

    public bool IsValid => Reads.IsValid && Writes.IsValid && Anonymous.IsValid && BotWebhooks.IsValid && PaymentWebhooks.IsValid
        && MaxLease >= 1 && LeaseLifetime > TimeSpan.Zero;
}
