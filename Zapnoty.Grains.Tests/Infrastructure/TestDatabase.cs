using Npgsql;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>
/// A fresh database on the test PostgreSQL that scripts/test.sh starts (ZAPNOTY_TEST_POSTGRES).
/// Each fixture gets its own, so test classes never see each other's rows.
/// </summary>
public static class TestDatabase
{
    /// <summary>The master key of the test silos' Data Protection key ring (Zapnoty:DataProtection:Key).</summary>
    public const string MasterKey = "dGVzdC1tYXN0ZXIta2V5LW9mLXRoZS10ZXN0LXNpbG8=";

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("ZAPNOTY_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "ZAPNOTY_TEST_POSTGRES is not set. Run the tests with scripts/test.sh, which starts a PostgreSQL for them.");

    public static async Task<string> Create(string purpose)
    {
        var name = $"zapnoty_{purpose}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, MaxPoolSize = 100 }.ConnectionString;
    }
}
