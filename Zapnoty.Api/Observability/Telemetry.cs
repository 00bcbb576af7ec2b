using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Zapnoty.Grains.Observability;

namespace Zapnoty.Api.Observability;

/// <summary>OpenTelemetry metrics and traces: scraped at <c>/metrics</c>; with logs, pushed over OTLP only when configured.</summary>
public static class Telemetry
{
    public const string ScrapePath = "/metrics";

    /// <summary>Meters and activity sources of ASP.NET Core, HttpClient, the runtime, Npgsql, Orleans and our own.</summary>
    public static IServiceCollection AddZapnotyTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otel = services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql", "Microsoft.Orleans", ZapnotyMetrics.MeterName)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path != ScrapePath)
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"));
        services.ConfigureOpenTelemetryMeterProvider((sp, metrics) => metrics.AddView(OnlyThisHost(sp.GetRequiredService<IMeterFactory>())));
        // OTEL_SERVICE_NAME (read by the SDK) wins; without it the traces still say whose they are.
        if (string.IsNullOrEmpty(configuration["OTEL_SERVICE_NAME"]))
            otel.ConfigureResource(resource => resource.AddService("zapnoty"));
        // Nothing leaves the process unless an operator points the standard OTEL_* variables at a collector.
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();
        return services;
    }

    /// <summary>
    /// Meter names are process-wide, so a provider also hears the meters every other host in the
    /// process created from its own <see cref="IMeterFactory"/> (the second test silo, fake servers).
    /// Those are dropped; meters outside any factory (Orleans, Npgsql, runtime) stay.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> OnlyThisHost(IMeterFactory own) =>
        instrument => instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own)
            ? MetricStreamConfiguration.Drop
            : null;

    /// <summary>The Prometheus scrape endpoint; anonymous, like the health checks — keep it off the public proxy.</summary>
    public static IEndpointConventionBuilder MapZapnotyMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(ScrapePath).AllowAnonymous();
}
