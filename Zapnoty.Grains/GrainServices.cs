using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.CannedReplies;
using Zapnoty.Grains.Channels.Max;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Email;
using Zapnoty.Grains.Files;
using Zapnoty.Grains.Notifications;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains;

public static class GrainServices
{
    /// <summary>Everything the grains need: the data source, the stores, the clock, email.</summary>
    public static IServiceCollection AddZapnotyGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not configured (set ConnectionStrings__Postgres).");
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddSingleton(TimeProvider.System);
        services.WriteNamesAsThePreviousRelease();
        services.AddSingleton<DatabaseMigrator>();
        services.Configure<MigrationOptions>(configuration.GetSection(MigrationOptions.Section));
        services.AddZapnotySecrets(configuration);
        services.AddSingleton<Observability.ZapnotyMetrics>();
        services.AddSingleton<TicketStore>();
        services.AddSingleton<ProjectStore>();
        services.AddSingleton<CannedReplyStore>();
        services.AddSingleton<Calendars.CalendarStore>();
        services.AddSingleton<Csat.CsatSettingsStore>();
        services.AddSingleton<BotLanguages.BotTextsStore>();
        services.AddSingleton<BotLanguages.CustomerLanguages>();
        services.AddSingleton<Calendars.IcalFetcher>();
        services.AddSingleton<SlaPolicies.SlaPolicyStore>();
        services.AddSingleton<Assignment.AssignmentStore>();
        services.AddSingleton<TicketCreationStore>();
        services.AddSingleton<CreationCommits>();
        services.AddSingleton<Tickets.FreshTickets>();
        services.AddSingleton<Cluster.IdempotencyKeys>();
        services.AddHostedService<Cluster.IdempotencyKeySweeper>();
        services.AddSingleton<AccessStore>();
        services.AddSingleton<LoginCodeStore>();
        services.AddSingleton<Profiles.ProfileStore>();
        services.AddSingleton<TicketList>();
        services.AddSingleton<Reports.ReportStore>();
        services.AddSingleton<Reports.TicketExport>();
        services.AddSingleton<Reports.CustomerReport>();
        services.AddSingleton<Tags.TagStore>();
        services.AddSingleton<Customers.CustomerDirectory>();
        services.AddSingleton<ProjectList>();
        services.AddSingleton<TeamStore>();
        services.AddSingleton<AuditLog>();
        services.Configure<WebhookOptions>(configuration.GetSection("Zapnoty:Webhooks"));
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<AttemptLog>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookDeliveryLog>();
        services.AddHostedService<WebhookSweeper>();
        services.Configure<ChannelOptions>(configuration.GetSection("Zapnoty"));
        services.Configure<ChannelSendOptions>(configuration.GetSection("Zapnoty:Channels"));
        services.AddSingleton<BotStore>();
        services.AddSingleton<ChannelInbox>();
        services.AddSingleton<UpdateIntake>();
        services.AddSingleton<Conversations.ApplyGate>();
        services.AddSingleton<ChannelOutbox>();
        services.AddSingleton<MessengerClients>();
        services.AddSingleton<Channels.StaffGroup.StaffGroupStore>();
        services.Configure<Channels.StaffGroup.StaffGroupOptions>(configuration.GetSection("Zapnoty:StaffGroup"));
        services.AddSingleton<CustomerFiles>();
        services.AddHostedService<ChannelSweeper>();
        services.Configure<SlaOptions>(configuration.GetSection("Zapnoty:Sla"));
        services.AddSingleton<SlaReminderRows>();
        services.AddHostedService<SlaSweeper>();
        services.AddSingleton<Rules.RuleStore>();
        services.AddHostedService<Rules.RuleSweeper>();
        services.AddZapnotyBilling(configuration);
        services.AddZapnotyNotifications(configuration);
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection(SmtpOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<SmtpOptions>, SmtpOptionsValidation>();
        services.AddSingleton<IEmailSender, SmtpEmailSender>();
        services.AddOptions<LoginLimitOptions>().Bind(configuration.GetSection(LoginLimitOptions.Section))
            .Validate(o => o.IsValid, $"{LoginLimitOptions.Section}: every limit must be at least 1 and the window longer than zero.")
            .ValidateOnStart();
        services.AddOptions<CredentialOptions>().Bind(configuration.GetSection(CredentialOptions.Section))
            .Validate(o => o.RecheckPeriod > TimeSpan.Zero, $"{CredentialOptions.Section}:RecheckPeriod must be longer than zero.").ValidateOnStart();
        services.AddTelegramChannel(configuration);
        services.AddMaxChannel(configuration);
        services.AddZapnotyFiles(configuration);
        return services;
    }
}
