using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Zapnoty.Grains.Channels.Telegram;

public static class TelegramChannelServices
{
    /// <summary>
    /// The Telegram client, as itself and as one of the <see cref="IMessengerClient"/>s (pick by
    /// <see cref="IMessengerClient.Channel"/>), configured from <c>Zapnoty:Telegram</c>.
    /// </summary>
    public static IServiceCollection AddTelegramChannel(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TelegramOptions>().Bind(configuration.GetSection(TelegramOptions.Section))
            .Validate(o => o.IsValid, $"{TelegramOptions.Section}: ApiBaseUrl must be an absolute http(s) URL and RequestTimeout longer than zero.")
            .ValidateOnStart();
        services.AddSingleton<TelegramMessengerClient>();
        services.AddSingleton<IMessengerClient>(sp => sp.GetRequiredService<TelegramMessengerClient>());
        services.AddSingleton<TelegramStaffClient>();
        return services;
    }
}
