using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zapnoty.Grains.Secrets;

public static class SecretsSetup
{
    /// <summary>The application name every silo shares, so they all use one key ring.</summary>
    public const string ApplicationName = "Zapnoty";

    /// <summary>
    /// Data Protection with its key ring in PostgreSQL, encrypted with the master key from
    /// <c>Zapnoty:DataProtection:Key</c>. Without a key the silo refuses to start, except in the
    /// Development environment, where the key ring is stored unencrypted (with Data Protection's warning).
    /// </summary>
    public static IServiceCollection AddZapnotySecrets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MasterKeyOptions>().Bind(configuration.GetSection(MasterKeyOptions.Section))
            .Validate(o => o.Problem() is null, "Zapnoty:DataProtection: every key must be 32 bytes in base64 (openssl rand -base64 32).")
            .Validate<IHostEnvironment>((o, environment) => o.HasKey || environment.IsDevelopment(),
                "Zapnoty:DataProtection:Key is not configured: bot tokens and webhook secrets would be stored unprotected. " +
                "Set it (openssl rand -base64 32) or run in the Development environment.")
            .ValidateOnStart();
        services.AddSingleton<PostgresXmlRepository>();
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<PostgresXmlRepository, IOptions<MasterKeyOptions>>((o, repository, keys) =>
        {
            o.XmlRepository = repository;
            if (keys.Value.HasKey && keys.Value.Problem() is null) o.XmlEncryptor = new MasterKeyXmlEncryptor(keys.Value.Current);
        });
        services.AddSingleton<SecretProtector>();
        services.AddHostedService<SecretsAtRest>();
        return services;
    }
}
