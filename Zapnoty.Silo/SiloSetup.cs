using System.Net;
using Orleans.Configuration;
using Orleans.Connections.Security;
using Zapnoty.Api;
using Zapnoty.Api.Observability;
using Zapnoty.Grains;
using Zapnoty.Grains.Cluster;

namespace Zapnoty.Silo;

/// <summary>How a Zapnoty silo is put together; shared by the real host and the test cluster.</summary>
public static class SiloSetup
{
    public const string Invariant = "Npgsql";

    /// <summary>Grain services, the REST API, telemetry, silo readiness, draining on shutdown, retrying calls a vanished silo never ran.</summary>
    public static IServiceCollection AddZapnoty(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddZapnotyGrainServices(configuration);
        services.AddZapnotyApi();
        services.AddZapnotyTelemetry(configuration);
        services.AddSingleton<SiloReadiness>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloReadiness>());
        services.AddHealthChecks().AddCheck<SiloReadiness>("silo", tags: [ZapnotyApi.ReadyTag]);
        services.Configure<ShutdownOptions>(configuration.GetSection("Zapnoty:Shutdown"));
        services.AddHostedService<ShutdownDrain>();
        services.Configure<GrainCallRetryOptions>(configuration.GetSection(GrainCallRetryOptions.Section));
        services.AddSingleton<IOutgoingGrainCallFilter, GrainCallRetry>();
        services.AddSingleton<Orleans.Metadata.IGrainInterfacePropertiesProvider, KeyDedupeManifest>();
        services.AddSingleton<OlderSilosWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<OlderSilosWatch>());
        services.AddSingleton<IIncomingGrainCallFilter, InterruptedCallMarking>();
        // A database fault escaping a grain (a refused connection, a timeout) reaches the caller
        // and the API's error log as itself; without a codec it arrived as CodecNotFoundException.
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        services.Configure<CrashDetectionOptions>(configuration.GetSection(CrashDetectionOptions.Section));
        services.AddHostedService<CrashedSiloDetector>();
        return services;
    }

    /// <summary>Clustering, grain storage and reminders, all on the one Postgres database.</summary>
    public static ISiloBuilder UseZapnotyPostgres(this ISiloBuilder silo, string connectionString)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorageAsDefault(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        // SLA reminders tick again every ReminderPeriod (one minute, Orleans' minimum); a test
        // cluster shortens it, and Orleans must then accept the shorter period.
        var reminderPeriod = silo.Configuration.GetValue("Zapnoty:Sla:ReminderPeriod", TimeSpan.FromMinutes(1));
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = reminderPeriod < o.MinimumReminderPeriod ? reminderPeriod : o.MinimumReminderPeriod);
        return silo;
    }

    /// <summary>Cluster identity and endpoints from the <c>Orleans</c> configuration section.</summary>
    public static ISiloBuilder UseZapnotyEndpoints(this ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection("Orleans");
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = section["ClusterId"] ?? "zapnoty";
            o.ServiceId = section["ServiceId"] ?? "zapnoty";
        });
        var advertised = AdvertisedAddress.From(section["AdvertisedIP"]);
        // No Orleans gateway by default: the API runs inside the silo and needs no client
        // connection, and an open gateway would let anyone who reaches it call grains directly.
        silo.ConfigureEndpoints(advertised,
            section.GetValue("SiloPort", EndpointOptions.DEFAULT_SILO_PORT),
            section.GetValue("GatewayPort", 0),
            listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        return silo.UseZapnotyTls(configuration);
    }

    /// <summary>Mutual TLS on the silo port when <c>Orleans:Tls:Enabled</c> (see <see cref="SiloTlsOptions"/>).</summary>
    public static ISiloBuilder UseZapnotyTls(this ISiloBuilder silo, IConfiguration configuration)
    {
        var tls = configuration.GetSection(SiloTlsOptions.Section).Get<SiloTlsOptions>() ?? new SiloTlsOptions();
        if (!tls.Enabled) return silo;
        var certificate = tls.LoadCertificate();
        tls.Check(certificate);
        return silo.UseTls(certificate, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = tls.Validator(certificate);
            // Silos dial each other by IP; the name is not what is checked (see the validator).
            options.OnAuthenticateAsClient = (_, client) => client.TargetHost = "zapnoty-silo";
        });
    }
}
