using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// Finding 19, rotation: the Data Protection key ring in PostgreSQL, shared by silos, under a
/// master key from configuration. Each "silo" here is the production service setup
/// (<see cref="SecretsSetup.AddZapnotySecrets"/>) on its own service provider over one database.
/// </summary>
public sealed class SecretRotationTests : IAsyncLifetime
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private string _connectionString = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestDatabase.Create("secrets");
        await using var database = NpgsqlDataSource.Create(_connectionString);
        await new DatabaseMigrator(database, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Two_silos_share_the_key_ring_and_a_new_key_ring_key_still_reads_old_ciphertexts()
    {
        await using var one = Silo(KeyA);
        await using var two = Silo(KeyA);
        var old = Protector(one).Protect(SecretPurposes.BotToken, "123:old-token");
        Assert.Equal("123:old-token", Protector(two).Unprotect(SecretPurposes.BotToken, old));
        Assert.Throws<CryptographicException>(() => Protector(two).Unprotect(SecretPurposes.WebhookSigningSecret, old));

        // A new key becomes the default (as Data Protection does every 90 days, or an operator at once).
        var keys = one.GetRequiredService<IKeyManager>();
        var created = keys.CreateNewKey(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(90));
        await using var restarted = Silo(KeyA);
        var fresh = Protector(restarted).Protect(SecretPurposes.BotToken, "123:new-token");
        Assert.Equal(created.KeyId, KeyIdOf(fresh));
        Assert.NotEqual(KeyIdOf(old), KeyIdOf(fresh));
        Assert.Equal("123:old-token", Protector(restarted).Unprotect(SecretPurposes.BotToken, old));
        Assert.Equal("123:new-token", Protector(two).Unprotect(SecretPurposes.BotToken, fresh));
    }

    [Fact]
    public async Task A_new_master_key_reads_the_ring_with_the_old_one_as_previous_and_re_encrypts_it_so_the_old_one_can_go()
    {
        string ciphertext;
        await using (var before = Silo(KeyA))
            ciphertext = Protector(before).Protect(SecretPurposes.WebhookSigningSecret, "whsec_secret");
        Assert.All(await KeyRingMasterKeyIds(), id => Assert.Equal(MasterKey.TryParse(KeyA)!.Id, id));

        // Without the old master key nothing in the ring can be read.
        await using (var stranger = Silo(KeyB))
            Assert.ThrowsAny<CryptographicException>(() => Protector(stranger).Unprotect(SecretPurposes.WebhookSigningSecret, ciphertext));

        // The new key, with the old one as previous: the silo reads, and at start re-encrypts the ring.
        await using (var rotating = Silo(KeyB, previous: KeyA))
        {
            Assert.Equal("whsec_secret", Protector(rotating).Unprotect(SecretPurposes.WebhookSigningSecret, ciphertext));
            var rewrapped = await rotating.GetRequiredService<PostgresXmlRepository>().Rewrap(
                rotating.GetRequiredService<IOptions<MasterKeyOptions>>().Value, CancellationToken.None);
            Assert.True(rewrapped >= 1);
        }
        Assert.All(await KeyRingMasterKeyIds(), id => Assert.Equal(MasterKey.TryParse(KeyB)!.Id, id));

        // The old master key is gone from configuration; old ciphertexts still read.
        await using var after = Silo(KeyB);
        Assert.Equal("whsec_secret", Protector(after).Unprotect(SecretPurposes.WebhookSigningSecret, ciphertext));
    }

    [Fact]
    public void Without_a_master_key_a_silo_refuses_to_start_outside_development()
    {
        using var production = Silo(key: null);
        var refused = Assert.Throws<OptionsValidationException>(() => production.GetRequiredService<IOptions<MasterKeyOptions>>().Value);
        Assert.Contains("Zapnoty:DataProtection:Key is not configured", refused.Message);

        using var malformed = Silo(key: "c2hvcnQ=");
        Assert.Throws<OptionsValidationException>(() => malformed.GetRequiredService<IOptions<MasterKeyOptions>>().Value);

        using var development = Silo(key: null, environment: Environments.Development);
        Assert.Equal("123:dev", Protector(development).Unprotect(SecretPurposes.BotToken, Protector(development).Protect(SecretPurposes.BotToken, "123:dev")));
    }

    private ServiceProvider Silo(string? key, string? previous = null, string environment = "Production")
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = _connectionString, ["Zapnoty:DataProtection:Key"] = key };
        if (previous is not null) settings["Zapnoty:DataProtection:PreviousKeys:0"] = previous;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment, ApplicationName = "tests" });
        services.AddSingleton(NpgsqlDataSource.Create(_connectionString));
        services.AddZapnotySecrets(configuration);
        return services.BuildServiceProvider();
    }

    private static SecretProtector Protector(IServiceProvider silo) => silo.GetRequiredService<SecretProtector>();

    /// <summary>The Data Protection payload header: 4 magic bytes, then the key id.</summary>
    private static Guid KeyIdOf(string stored)
    {
        var payload = Convert.FromBase64String(Base64Url(stored[SecretProtector.Prefix.Length..]));
        return new Guid(payload.AsSpan(4, 16));
    }

    private static string Base64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return b.PadRight(b.Length + (4 - b.Length % 4) % 4, '=');
    }

    private async Task<List<string>> KeyRingMasterKeyIds()
    {
        await using var database = NpgsqlDataSource.Create(_connectionString);
        await using var command = database.CreateCommand("SELECT xml FROM data_protection_keys WHERE friendly_name LIKE 'key-%'");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
            ids.AddRange(System.Xml.Linq.XElement.Parse(reader.GetString(0)).Descendants(MasterKeyXmlEncryptor.ElementName)
                .Select(e => (string)e.Attribute(MasterKeyXmlEncryptor.KeyIdAttribute)!));
        Assert.NotEmpty(ids);
        return ids;
    }
}
