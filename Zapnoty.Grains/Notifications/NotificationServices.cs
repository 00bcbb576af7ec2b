using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Zapnoty.Grains.Notifications;

public static class NotificationServices
{
    public static IServiceCollection AddZapnotyNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section))
            .Validate(o => o.ActiveWindow >= TimeSpan.Zero && o.EmailInterval >= TimeSpan.Zero && o.EmailMaxAge > TimeSpan.Zero,
                $"{NotificationOptions.Section}: ActiveWindow and EmailInterval must not be negative, EmailMaxAge must be longer than zero.")
            .ValidateOnStart();
        services.AddSingleton<NotificationStore>();
        return services;
    }

    /// <summary>Tells each person's grain that notifications were committed for them.</summary>
    public static void Nudge(this IGrainFactory grains, IEnumerable<Guid> userIds)
    {
        foreach (var userId in userIds) grains.GetGrain<INotificationsGrain>(userId).Notified().Ignore();
    }
}
