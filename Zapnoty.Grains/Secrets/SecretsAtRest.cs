using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Zapnoty.Grains.Secrets;

/// <summary>
/// At silo start: re-encrypts key ring entries sealed with a previous master key, then converts
/// rows written before secrets were encrypted (bot tokens and webhook signing secrets encrypted,
/// bot webhook secrets hashed, tokens of disconnected bots wiped). Every change is conditional on
/// the old value, so silos starting together do it once. Reads accept the old forms meanwhile.
/// </summary>
public sealed class SecretsAtRest(NpgsqlDataSource dataSource, PostgresXmlRepository keyRing, SecretProtector protector,
    IOptions<MasterKeyOptions> masterKeys, ILogger<SecretsAtRest> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (masterKeys.Value.HasKey && await keyRing.Rewrap(masterKeys.Value, cancellationToken) is > 0 and var rewrapped)
            log.LogInformation("Re-encrypted {Count} Data Protection keys with the current master key", rewrapped);
        var converted = await ConvertPlaintextRows(cancellationToken);
        if (converted > 0) log.LogInformation("Encrypted or hashed the secrets of {Count} rows stored in plaintext", converted);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<int> ConvertPlaintextRows(CancellationToken cancellationToken)
    {
        var changed = 0;
        foreach (var (id, token, secret, live) in await Read<(Guid, string, string, bool)>("""
            SELECT id, token, webhook_secret, disconnected_at IS NULL FROM bots
             WHERE (token <> '' AND token NOT LIKE 'dp1:%') OR webhook_secret NOT LIKE 'sha256:%' OR (disconnected_at IS NOT NULL AND token <> '')
            """, r => (r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetBoolean(3)), cancellationToken))
        {
            var newToken = !live ? "" : SecretProtector.IsProtected(token) ? token : protector.Protect(SecretPurposes.BotToken, token);
            var newSecret = SecretHash.IsHashed(secret) ? secret : SecretHash.Of(secret);
            changed += await Execute("UPDATE bots SET token = $4, webhook_secret = $5 WHERE id = $1 AND token = $2 AND webhook_secret = $3",
                cancellationToken, id, token, secret, newToken, newSecret);
        }
        foreach (var (id, secret, previous) in await Read<(Guid, string, string?)>("""
            SELECT id, secret, previous_secret FROM webhooks
             WHERE secret NOT LIKE 'dp1:%' OR previous_secret NOT LIKE 'dp1:%'
            """, r => (r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)), cancellationToken))
        {
            changed += await Execute("""
                UPDATE webhooks SET secret = $4, previous_secret = $5
                 WHERE id = $1 AND secret = $2 AND previous_secret IS NOT DISTINCT FROM $3
                """, cancellationToken, id, secret, (object?)previous ?? DBNull.Value,
                ProtectSigningSecret(secret), previous is null ? DBNull.Value : ProtectSigningSecret(previous));
        }
        return changed;
    }

    private string ProtectSigningSecret(string stored) =>
        SecretProtector.IsProtected(stored) ? stored : protector.Protect(SecretPurposes.WebhookSigningSecret, stored);

    private async Task<List<T>> Read<T>(string sql, Func<NpgsqlDataReader, T> row, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(row(reader));
        return rows;
    }

    private async Task<int> Execute(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(value is DBNull ? new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
