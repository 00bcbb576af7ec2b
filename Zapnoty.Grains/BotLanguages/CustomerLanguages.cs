using Npgsql;

namespace Zapnoty.Grains.BotLanguages;

/// <summary>
/// The language a messenger customer uses, as their latest update said, kept on the customer: the
/// survey a close sends and the updates that carry no language (Max sends it only with some) are
/// answered in it. A preference, so it is written on its own, not in the update's transaction.
/// </summary>
public sealed class CustomerLanguages(NpgsqlDataSource dataSource)
{
    /// <summary>The remembered language of the customer behind a bot's chat (their external id is the chat id).</summary>
    public async Task<string?> OfChat(Guid botId, string chatId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.language FROM customers c JOIN bots b ON c.project_id = b.project_id AND c.channel = b.channel
             WHERE b.id = $1 AND c.external_id = $2
            """);
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = chatId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<string?> OfCustomer(Guid customerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT language FROM customers WHERE id = $1");
        command.Parameters.Add(new() { Value = customerId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Remembers <paramref name="language"/>; false when the chat has no customer yet (before their first ticket).</summary>
    public async Task<bool> Remember(Guid botId, string chatId, string language, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH found AS (
                SELECT c.id, c.language FROM customers c JOIN bots b ON c.project_id = b.project_id AND c.channel = b.channel
                 WHERE b.id = $1 AND c.external_id = $2),
                 changed AS (
                UPDATE customers c SET language = $3 FROM found WHERE c.id = found.id AND found.language IS DISTINCT FROM $3)
            SELECT count(*) FROM found
            """);
        command.Parameters.Add(new() { Value = botId });
        command.Parameters.Add(new() { Value = chatId });
        command.Parameters.Add(new() { Value = language });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }
}
