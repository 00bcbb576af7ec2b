using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Billing.Payments;

namespace Zapnoty.Grains.Billing;

public static class BillingServices
{
    /// <summary>
    /// Credits, packs and the payment providers. Provider clients have a total deadline per call
    /// (<see cref="PaymentOptions.RequestTimeout"/>) and no retry handler of their own: a create
    /// is retried only by Stripe.net itself, with the checkout's idempotency key.
    /// </summary>
    public static IServiceCollection AddZapnotyBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<BillingStore>();
        services.AddOptions<BillingOptions>().Bind(configuration.GetSection(BillingOptions.Section))
            .Validate(o => o.IsValid, $"{BillingOptions.Section}:Packs: each pack needs a unique Id (≤ 40 characters), Credits from 1 to 1,000,000 and positive Prices with at most two decimals per three-letter currency.")
            .Validate<IHostEnvironment>((o, environment) => !o.DevelopmentGrants || environment.IsDevelopment(),
                $"{BillingOptions.Section}:DevelopmentGrants gives credits away without a payment and is refused outside the Development environment.")
            .ValidateOnStart();
        services.AddOptions<PaymentOptions>().Bind(configuration.GetSection(PaymentOptions.Section))
            .Validate(o => o.IsValid, $"{PaymentOptions.Section}: base URLs must be absolute http(s) URLs, Stripe needs both SecretKey and WebhookSecret, YooKassa both ShopId and SecretKey.")
            .ValidateOnStart();
        services.AddHttpClient(StripePayments.HttpClientName, (provider, http) =>
                http.Timeout = provider.GetRequiredService<IOptions<PaymentOptions>>().Value.RequestTimeout)
            .UseSocketsHttpHandler((handler, _) => handler.AllowAutoRedirect = false)
            .RedactLoggedHeaders(_ => true);
        services.AddHttpClient<YooKassaPayments>((provider, http) =>
            {
                var options = provider.GetRequiredService<IOptions<PaymentOptions>>().Value;
                http.BaseAddress = options.YooKassa.BaseAddress;
                http.Timeout = options.RequestTimeout;
                if (options.YooKassa.Enabled)
                    http.DefaultRequestHeaders.Authorization = new("Basic",
                        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{options.YooKassa.ShopId}:{options.YooKassa.SecretKey}")));
            })
            // A singleton holds this client, so the handler is never rotated; pooled connections are recycled instead.
            .UseSocketsHttpHandler((handler, _) =>
            {
                handler.AllowAutoRedirect = false;
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The Basic credentials never reach a log, whatever the log level.
            .RedactLoggedHeaders(_ => true);
        services.AddSingleton<StripePayments>();
        services.AddSingleton<IPaymentProvider>(provider => provider.GetRequiredService<StripePayments>());
        services.AddSingleton<IPaymentProvider>(provider => provider.GetRequiredService<YooKassaPayments>());
        services.AddSingleton<PaymentProviders>();
        services.AddSingleton<PaymentStore>();
        services.AddSingleton<PaymentNotifications>();
        return services;
    }
}
