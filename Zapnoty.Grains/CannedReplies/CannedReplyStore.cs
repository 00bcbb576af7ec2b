using Npgsql;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Storage;
using static Zapnoty.Grains.Storage.OneTransaction;

namespace Zapnoty.Grains.CannedReplies;

/// <summary>A project's canned replies; every change is written with its audit entry.</summary>
public sealed class CannedReplyStore(NpgsqlDataSource dataSource)
{
    public async Task<List<CannedReplyView>> Load(Guid projectId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, title, text, created_at, updated_at, tag_ids FROM canned_replies WHERE project_id = $1");
        command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var replies = new List<CannedReplyView>();
        while (await reader.ReadAsync(cancellationToken))
            replies.Add(new CannedReplyView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<Guid[]>(5)));
        return replies;
    }

    public Task Insert(Guid projectId, CannedReplyView reply, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("INSERT INTO canned_replies (id, project_id, title, text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
                reply.Id, projectId, reply.Title, reply.Text, reply.CreatedAt, reply.UpdatedAt),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public Task Update(Guid projectId, CannedReplyView reply, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("UPDATE canned_replies SET title = $3, text = $4, updated_at = $5, tag_ids = $6 WHERE id = $1 AND project_id = $2",
                reply.Id, projectId, reply.Title, reply.Text, reply.UpdatedAt, reply.TagIds is { Count: > 0 } tags ? tags.ToArray() : null),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    public Task Delete(Guid projectId, Guid replyId, AuditEntry audit, CancellationToken cancellationToken) =>
        dataSource.Commit(
        [
            Command("DELETE FROM canned_replies WHERE id = $1 AND project_id = $2", replyId, projectId),
            AuditWrites.Insert(projectId, audit),
        ], cancellationToken);

    /// <summary>
    /// What <c>{{agent.name}}</c> says for the one replying: a person's name, else the part of
    /// their email before the <c>@</c>; an API key's name. Read per render, since nothing tells
    /// the project grain when a person's name changes. Null when the caller is neither.
    /// </summary>
    public async Task<string?> AgentName(Guid projectId, Actor agent, CancellationToken cancellationToken)
    {
        if (agent.AgentId is not { } id) return null;
        await using var command = agent.Kind == ActorKind.User
            ? dataSource.CreateCommand("SELECT name, email FROM users WHERE id = $1")
            : dataSource.CreateCommand("SELECT name FROM api_keys WHERE id = $1 AND project_id = $2");
        command.Parameters.Add(new() { Value = id });
        if (agent.Kind != ActorKind.User) command.Parameters.Add(new() { Value = projectId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var name = reader.IsDBNull(0) ? null : reader.GetString(0);
        return agent.Kind == ActorKind.User ? ReplyVariables.PersonName(name, reader.GetString(1)) : name;
    }
}
