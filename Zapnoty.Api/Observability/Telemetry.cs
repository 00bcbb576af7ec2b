using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Zapnoty.Grains.Observability;

namespace Zapnoty.Api.Observability;

/// <summary>
/// OpenTelemetry metrics and traces: scraped at <c>/metrics</c> on the internal
/// <see cref="MetricsListener"/>; with logs, pushed over OTLP only when configured.
/// </summary>
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

    /// <summary>
    /// The Prometheus scrape, anonymous like the health checks, answered only for requests that
    /// arrived on the metrics listener's local port (not the Host header, which a client
    /// chooses). That port answers nothing else, and no other port answers <c>/metrics</c> in
    /// any spelling: it is no route of the API.
    /// </summary>
    public static IApplicationBuilder UseZapnotyMetrics(this IApplicationBuilder app)
    {
        if (MetricsListener.From(app.ApplicationServices.GetRequiredService<IConfiguration>()) is not { } listener) return app;
        return app.MapWhen(context => context.Connection.LocalPort == listener.Port, internalPort =>
        {
            internalPort.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == ScrapePath);
            internalPort.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
    }
}
