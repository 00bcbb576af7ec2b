using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.Channels;

public sealed class BotStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, project_id, channel, external_id, username, token, webhook_secret, connected_at";

    public Task<BotView?> FindLive(Channel channel, string externalId, CancellationToken cancellationToken) =>
        FindOne($"SELECT {Columns} FROM bots WHERE channel = $1 AND external_id = $2 AND disconnected_at IS NULL",
            [channel.Wire(), externalId], cancellationToken);

    public Task<BotView?> FindLiveOfProject(Guid projectId, Channel channel, CancellationToken cancellationToken) =>
        FindOne($"SELECT {Columns} FROM bots WHERE project_id = $1 AND channel = $2 AND disconnected_at IS NULL",
            [projectId, channel.Wire()], cancellationToken);

    /// <summary>The bot row, if it is still connected (to the project it was connected to).</summary>
    public Task<BotView?> FindLiveById(Guid botId, CancellationToken cancellationToken) =>
        FindOne($"SELECT {Columns} FROM bots WHERE id = $1 AND disconnected_at IS NULL", [botId], cancellationToken);

    /// <summary>Any bot, connected or not: replies to old tickets still name the bot they came through.</summary>
    public Task<BotView?> Find(Guid botId, CancellationToken cancellationToken) =>
        FindOne($"SELECT {Columns} FROM bots WHERE id = $1", [botId], cancellationToken);

    /// <summary>
    /// Connects the bot, replacing whichever bot of the same messenger the project had. False
    /// when the bot went live for another project meanwhile.
    /// </summary>
    public async Task<bool> Connect(BotView bot, AuditEntry audit, CancellationToken cancellationToken)
    {
        try
        {
            await dataSource.Commit(
            [
                // A disconnected bot's token is of no more use to us: it is wiped, not kept.
                Command("UPDATE bots SET disconnected_at = $3, token = '' WHERE project_id = $1 AND channel = $2 AND disconnected_at IS NULL",
                    bot.ProjectId, bot.Channel.Wire(), bot.ConnectedAt),
                Command($"INSERT INTO bots ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    bot.Id, bot.ProjectId, bot.Channel.Wire(), bot.ExternalId, bot.Username, bot.ProtectedToken, bot.WebhookSecretHash, bot.ConnectedAt),
                AuditWrites.Insert(bot.ProjectId, audit),
            ], cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }

    public Task Disconnect(BotView bot, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("UPDATE bots SET disconnected_at = $2, token = '' WHERE id = $1 AND disconnected_at IS NULL", bot.Id, audit.At),
            AuditWrites.Insert(bot.ProjectId, audit),
        ], cancellationToken);

    private async Task<BotView?> FindOne(string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new BotView(reader.GetGuid(0), reader.GetGuid(1), WireNames.ParseWire<Channel>(reader.GetString(2)), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7))
            : null;
    }
}
