using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Zapnoty.Grains.Audit;

/// <summary>What the audit log records; the names are part of the API (<c>action</c>).</summary>
public static class AuditActions
{
    public const string MemberAdded = "member.added";
    public const string MemberJoined = "member.joined";
    public const string MemberRoleChanged = "member.role_changed";
    public const string MemberRemoved = "member.removed";
    public const string MemberLeft = "member.left";
    public const string OwnershipTransferRequested = "ownership.transfer_requested";
    public const string OwnershipTransferred = "ownership.transferred";
    public const string ApiKeyCreated = "api_key.created";
    public const string ApiKeyRevoked = "api_key.revoked";
    public const string SettingsChanged = "settings.changed";
    public const string TicketTypeAdded = "ticket_type.added";
    public const string TicketTypeRenamed = "ticket_type.renamed";
    public const string TicketTypeArchived = "ticket_type.archived";
    public const string ProjectRenamed = "project.renamed";
    public const string ProjectDeleted = "project.deleted";
    public const string WebhookCreated = "webhook.created";
    public const string BotTextsChanged = "bot_texts.changed";
    public const string CreditsPurchased = "billing.credits_purchased";
    public const string CheckoutStarted = "billing.checkout_started";
    public const string PaymentCanceled = "billing.payment_canceled";
    public const string CreditsTakenBack = "billing.credits_taken_back";
    public const string CreditsGranted = "billing.credits_granted";
    public const string BotConnected = "bot.connected";
    public const string BotDisconnected = "bot.disconnected";
    public const string WebhookChanged = "webhook.changed";
    public const string WebhookDisabled = "webhook.disabled";
    public const string WebhookDeleted = "webhook.deleted";
    public const string WebhookSecretRotated = "webhook.secret_rotated";
    public const string CannedReplyCreated = "canned_reply.created";
    public const string CannedReplyChanged = "canned_reply.changed";
    public const string CannedReplyDeleted = "canned_reply.deleted";
    public const string TagCreated = "tag.created";
    public const string TagChanged = "tag.changed";
    public const string TagArchived = "tag.archived";
    public const string TagDeleted = "tag.deleted";
    public const string TicketMerged = "ticket.merged";
    public const string CustomerNotesChanged = "customer.notes_changed";
    public const string StaffGroupLinked = "staff_group.linked";
    public const string StaffGroupUnlinked = "staff_group.unlinked";
    public const string StaffGroupMemberLinked = "staff_group.member_linked";
}

/// <summary>One audited change: who, when, what, on which object, with its particulars.</summary>
public sealed record AuditEntry(DateTimeOffset At, Actor Actor, string Action, string? TargetId, object? Details = null);

/// <summary>
/// An entry as read back, details kept as the JSON stored; the actor's display name (a person's
/// name, an API key's name) and email as they are now, so the log reads as people, not ids.
/// </summary>
public sealed record AuditRow(long Id, DateTimeOffset At, Actor Actor, string Action, string? TargetId, string DetailsJson,
    string? ActorName = null, string? ActorEmail = null);

/// <summary>Audit rows are written by the same transaction as the change they describe.</summary>
public static class AuditWrites
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static NpgsqlBatchCommand Insert(Guid projectId, AuditEntry entry) => new("""
        INSERT INTO audit_log (project_id, at, actor_kind, actor_id, action, target_id, details)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """)
    {
        Parameters =
        {
            new() { Value = projectId },
            new() { Value = entry.At },
            new() { Value = entry.Actor.Kind.Wire() },
            new() { Value = (object?)entry.Actor.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = entry.Action },
            new() { Value = (object?)entry.TargetId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = DetailsJson(entry.Details), NpgsqlDbType = NpgsqlDbType.Jsonb },
        },
    };

    public static string DetailsJson(object? details) => JsonSerializer.Serialize(details ?? new { }, Json);
}

/// <summary>Reads a project's audit log, newest first, for owners and admins.</summary>
public sealed class AuditLog(NpgsqlDataSource dataSource)
{
    /// <summary>The page before <c>beforeId</c>; <c>action</c> is an action (<c>member.added</c>) or an area (<c>member</c>, every <c>member.*</c>), null for all.</summary>
    public async Task<IReadOnlyList<AuditRow>> Find(Guid projectId, long? beforeId, string? action, int limit, CancellationToken cancellationToken)
    {
        // The CASEs keep the uuid casts to the rows of that kind (other actors' ids are not uuids).
        await using var command = dataSource.CreateCommand("""
            SELECT a.id, a.at, a.actor_kind, a.actor_id, a.action, a.target_id, a.details::text, COALESCE(u.name, k.name), u.email
              FROM audit_log a
              LEFT JOIN users u ON u.id = CASE WHEN a.actor_kind = 'user' THEN a.actor_id::uuid END
              LEFT JOIN api_keys k ON k.id = CASE WHEN a.actor_kind = 'api_key' THEN a.actor_id::uuid END
             WHERE a.project_id = $1 AND a.id < $2
               AND ($4::text IS NULL OR a.action = $4 OR a.action LIKE $4 || '.%')
             ORDER BY a.id DESC
             LIMIT $3
            """);
        command.Parameters.Add(new() { Value = projectId });
        command.Parameters.Add(new() { Value = beforeId ?? long.MaxValue });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = (object?)action ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var rows = new List<AuditRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(new AuditRow(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1),
                new Actor(WireNames.ParseWire<ActorKind>(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3)),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        return rows;
    }
}
