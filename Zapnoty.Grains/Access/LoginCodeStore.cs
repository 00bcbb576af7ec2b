using Npgsql;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Access;

/// <summary>What a verify needs to know: the code to compare with and the wrong codes that limit trying.</summary>
public sealed record LoginAttemptState(byte[]? CodeHash, WrongCodes? OfNetwork, WrongCodes? OfUnknownNetworks, bool KnownNetwork);

/// <summary>
/// Login codes, one per (address, network) so a stranger's request never replaces the code a
/// person asked for; the wrong codes per (address, network); the networks each address logged
/// in from. In PostgreSQL, so the budgets hold across restarts and deactivations.
/// </summary>
public sealed class LoginCodeStore(NpgsqlDataSource dataSource)
{
    public Task SaveCode(string email, string network, byte[] codeHash, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("DELETE FROM login_codes WHERE email = $1 AND expires_at <= $2", email, now),
            Command("""
                INSERT INTO login_codes (email, network, code_hash, attempts, created_at, expires_at) VALUES ($1, $2, $3, 0, $4, $5)
                ON CONFLICT (email, network) DO UPDATE SET code_hash = EXCLUDED.code_hash,
                    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
                """, email, network, codeHash, now, expiresAt),
        ], cancellationToken);

    /// <summary>
    /// The code a try from <paramref name="network"/> is compared with: the one requested from
    /// that network, else the newest one (a phone that changed networks between request and
    /// verify). Either way one code per try, so guessing odds do not grow with the codes pending.
    /// </summary>
    public async Task<LoginAttemptState> LoadAttempt(string email, string network, DateTimeOffset now, LoginLimitOptions limits, CancellationToken cancellationToken)
    {
        var windowStart = now - limits.FailureWindow;
        var knownSince = now - limits.KnownNetworkFor;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("""
            SELECT code_hash FROM login_codes WHERE email = $1 AND expires_at > $3
             ORDER BY network = $2 DESC, created_at DESC LIMIT 1
            """, email, network, now));
        batch.BatchCommands.Add(Command(
            "SELECT failures, window_started_at, last_failed_at FROM login_failures WHERE email = $1 AND network = $2 AND window_started_at > $3",
            email, network, windowStart));
        batch.BatchCommands.Add(Command("""
            SELECT sum(f.failures)::int, min(f.window_started_at), max(f.last_failed_at) FROM login_failures f
             WHERE f.email = $1 AND f.window_started_at > $2
               AND NOT EXISTS (SELECT 1 FROM login_networks k WHERE k.email = f.email AND k.network = f.network AND k.last_login_at > $3)
            """, email, windowStart, knownSince));
        batch.BatchCommands.Add(Command(KnownNetworkSql, email, network, knownSince));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        var code = await reader.ReadAsync(cancellationToken) ? (byte[])reader[0] : null;
        await reader.NextResultAsync(cancellationToken);
        var own = await reader.ReadAsync(cancellationToken) ? ReadWrongCodes(reader) : null;
        await reader.NextResultAsync(cancellationToken);
        var unknown = await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? ReadWrongCodes(reader) : null;
        await reader.NextResultAsync(cancellationToken);
        var known = await reader.ReadAsync(cancellationToken) && reader.GetBoolean(0);
        return new LoginAttemptState(code, own, unknown, known);
    }

    public async Task<bool> IsKnownNetwork(string email, string network, DateTimeOffset now, LoginLimitOptions limits, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(KnownNetworkSql);
        command.Parameters.Add(new() { Value = email });
        command.Parameters.Add(new() { Value = network });
        command.Parameters.Add(new() { Value = now - limits.KnownNetworkFor });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Counts a wrong code against (address, network), in a window that starts again once it has passed.</summary>
    public Task CountWrongCode(string email, string network, DateTimeOffset now, LoginLimitOptions limits, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("DELETE FROM login_failures WHERE email = $1 AND window_started_at <= $2", email, now - limits.FailureWindow),
            Command("""
                INSERT INTO login_failures (email, network, failures, window_started_at, last_failed_at) VALUES ($1, $2, 1, $3, $3)
                ON CONFLICT (email, network) DO UPDATE SET failures = login_failures.failures + 1, last_failed_at = EXCLUDED.last_failed_at
                """, email, network, now),
        ], cancellationToken);

    /// <summary>After a login: the network becomes known to the address and its wrong codes are forgiven.</summary>
    public Task RememberNetwork(string email, string network, DateTimeOffset now, LoginLimitOptions limits, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("DELETE FROM login_networks WHERE email = $1 AND last_login_at <= $2", email, now - limits.KnownNetworkFor),
            Command("""
                INSERT INTO login_networks (email, network, last_login_at) VALUES ($1, $2, $3)
                ON CONFLICT (email, network) DO UPDATE SET last_login_at = EXCLUDED.last_login_at
                """, email, network, now),
            Command("DELETE FROM login_failures WHERE email = $1 AND network = $2", email, network),
        ], cancellationToken);

    private const string KnownNetworkSql =
        "SELECT EXISTS (SELECT 1 FROM login_networks WHERE email = $1 AND network = $2 AND last_login_at > $3)";

    private static WrongCodes ReadWrongCodes(NpgsqlDataReader reader) =>
        new(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2));
}
