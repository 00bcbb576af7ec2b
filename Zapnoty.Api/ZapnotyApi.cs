using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;
using Zapnoty.Api.Access;
using Zapnoty.Api.Billing;
using Zapnoty.Api.BotLanguages;
using Zapnoty.Api.CannedReplies;
using Zapnoty.Api.Channels;
using Zapnoty.Api.Dashboard;
using Zapnoty.Api.Helpdesk;
using Zapnoty.Api.Notifications;
using Zapnoty.Api.Http;
using Zapnoty.Api.Json;
using Zapnoty.Api.Live;
using Zapnoty.Api.Observability;
using Zapnoty.Api.Operations;
using Zapnoty.Api.Problems;
using Zapnoty.Api.Projects;
using Zapnoty.Api.Reports;
using Zapnoty.Api.RateLimiting;
using Zapnoty.Api.Team;
using Zapnoty.Api.Tickets;
using Zapnoty.Api.Tags;
using Zapnoty.Api.Customers;
using Zapnoty.Api.Webhooks;

namespace Zapnoty.Api;

/// <summary>Wires the public REST API into a host that already runs (or reaches) the Orleans cluster.</summary>
public static class ZapnotyApi
{
    public const long MaxRequestBodyBytes = 64 * 1024;
    public const string ReadyTag = "ready";
    /// <summary>Swagger UI at /swagger: on in Development, elsewhere only when set to true. The OpenAPI JSON is always served.</summary>
    public const string SwaggerUiKey = "Zapnoty:Swagger:Enabled";

    public static IServiceCollection AddZapnotyApi(this IServiceCollection services)
    {
        services.AddRouting();
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(o => ApiJson.Configure(o.JsonSerializerOptions));
        // Binding failures throw, so ProblemMapping can answer them with details instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Above RequestRules' own URL limit, so an over-long URL gets our 414 with a problem body.
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestLineSize = RequestRules.KestrelRequestLineLimit);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDefaults.Complete);
        services.AddExceptionHandler<ProblemMapping>();
        // Read at start, so a wrong Zapnoty:Http:KnownProxies stops the silo instead of failing every request.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>(ReverseProxies.Configure).ValidateOnStart();

        services.AddAuthentication(BearerAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthentication>(BearerAuthentication.SchemeName, null);
        services.AddAuthorization();
        services.AddScoped<Caller>();
        services.AddZapnotyRateLimits();
        services.AddZapnotyLive();

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag]);

        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Zapnoty Helpdesk API",
                Version = "v1",
                Description = "Support desks inside Telegram and Max. Log in with POST /v1/auth/login and /v1/auth/verify, then Authorize with the token.",
            });
            o.AddSecurityDefinition(BearerAuthentication.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A session token (zs_...) from /v1/auth/verify, or a project API key (zk_...).",
            });
            o.AddSecurityRequirement(document => new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(BearerAuthentication.SchemeName, document)] = [],
            });
            OpenApi.OpenApiContract.Configure(o);
            var xml = Path.Combine(AppContext.BaseDirectory, typeof(ZapnotyApi).Assembly.GetName().Name + ".xml");
            if (File.Exists(xml)) o.IncludeXmlComments(xml);
            o.DocumentFilter<RateLimitsDocument>();
            o.OperationFilter<RateLimitsDocument>();
            o.OperationFilter<DeprecatedQueryDocument>();
            o.OperationFilter<OpenApi.MultipartReplyDocument>();
            o.OperationFilter<RetryAfterDocument>();
            o.OperationFilter<Tickets.IdempotencyKeyDocument>();
        });
        return services;
    }

    /// <summary>
    /// The middleware pipeline and every route: the internal metrics port, client IP, security
    /// headers, problem details, Swagger, the dashboard, auth, rate limits, health, /v1.
    /// </summary>
    public static IApplicationBuilder UseZapnotyApi(this IApplicationBuilder app)
    {
        // Requests to the internal metrics port stop here; no other port serves /metrics.
        app.UseZapnotyMetrics();
        // First, so everything after sees the client's IP rather than a trusted proxy's.
        app.UseForwardedHeaders();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestRules>();
        app.UseSwagger();
        if (SwaggerUiEnabled(app.ApplicationServices))
            app.UseApiReference();
        // Only existing files of the built dashboard; everything else goes on to the routes.
        app.UseZapnotyDashboard();
        app.UseRouting();
        app.UseAuthentication();
        // After authentication, so a request spends its credential's budget (by the credential's
        // id, never the token) and only requests without a valid one spend their network's.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<Tickets.IdempotencyKeyHeader>();
        app.UseEndpoints(endpoints => endpoints.MapZapnotyApi());
        return app;
    }

    public static IEndpointRouteBuilder MapZapnotyApi(this IEndpointRouteBuilder endpoints)
    {
        // Probes are never limited: a balancer must always learn the truth.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).DisableRateLimiting();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            // A draining silo reports Degraded: a balancer must stop sending it requests all the same.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).DisableRateLimiting();
        endpoints.MapDashboard();
        // One group over the public API, so the problems shared machinery answers are declared once (DocumentedProblems).
        var api = endpoints.MapGroup("").WithSharedProblems();
        api.MapAuthApi();
        api.MapSessionsApi();
        api.MapProjectsApi();
        api.MapApiKeysApi();
        api.MapSettingsApi();
        api.MapTicketTypesApi();
        api.MapCalendarApi();
        api.MapCsatApi();
        api.MapRulesApi();
        api.MapSlaPoliciesApi();
        api.MapAssignmentApi();
        api.MapTicketsApi();
        api.MapLiveApi();
        api.MapCannedRepliesApi();
        api.MapTagsApi();
        api.MapCustomersApi();
        api.MapTicketMergeApi();
        api.MapTeamApi();
        api.MapAuditApi();
        api.MapWebhooksApi();
        api.MapChannelsApi();
        api.MapBotTextsApi();
        api.MapStaffGroupApi();
        api.MapChannelWebhooks();
        api.MapBillingApi();
        api.MapNotificationsApi();
        api.MapReportsApi();
        return endpoints;
    }

    /// <summary>Swagger UI is served when <see cref="SwaggerUiKey"/> says so, by default only in Development.</summary>
    public static bool SwaggerUiEnabled(IServiceProvider services) =>
        services.GetRequiredService<IConfiguration>().GetValue<bool?>(SwaggerUiKey)
        ?? services.GetRequiredService<IHostEnvironment>().IsDevelopment();
}
