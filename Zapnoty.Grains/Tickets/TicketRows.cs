using Npgsql;

namespace Zapnoty.Grains.Tickets;

/// <summary>The one way a ticket row is selected and read, shared by the grain and the list.</summary>
public static class TicketRows
{
    public const string SelectFrom = """
        SELECT t.id, t.project_id, t.number, t.subject, t.status, t.priority, t.type_id, tt.name,
               t.assignee_id, t.channel, c.id, c.external_id, c.name, c.email, c.username,
               t.created_at, t.updated_at, t.first_reply_at, t.closed_at,
               t.first_reply_due_at, t.resolve_due_at, t.version, t.bot_id, t.chat_id, c.unreachable_reason,
               t.first_reply_breached_at, t.resolve_breached_at,
               (SELECT json_agg(json_build_object('id', g.id, 'name', g.name, 'color', g.color, 'archived', g.archived_at IS NOT NULL)
                                ORDER BY lower(g.name))
                  FROM ticket_tags x JOIN tags g ON g.id = x.tag_id WHERE x.ticket_id = t.id)::text,
               t.merged_into,
               t.next_reply_due_at, t.next_reply_breached_at, t.next_reply_since, t.sla_policy::text,
               t.sla_paused_at, t.sla_resolve_left, t.sla_paused_seconds,
               t.csat_requested_at, t.csat_score, t.csat_comment, t.csat_at, t.csat_comment_until,
               t.first_reply_business_seconds, t.resolution_business_seconds, t.sla_paused_business_seconds
          FROM tickets t
          JOIN customers c ON c.id = t.customer_id
          LEFT JOIN ticket_types tt ON tt.id = t.type_id
        """;

    public static TicketView Read(NpgsqlDataReader r) => new(
        Id: r.GetGuid(0),
        ProjectId: r.GetGuid(1),
        Number: r.GetInt64(2),
        Subject: r.GetString(3),
        Status: WireNames.ParseWire<TicketStatus>(r.GetString(4)),
        Priority: WireNames.ParseWire<TicketPriority>(r.GetString(5)),
        TypeId: r.IsDBNull(6) ? null : r.GetGuid(6),
        TypeName: r.IsDBNull(7) ? null : r.GetString(7),
        AssigneeId: r.IsDBNull(8) ? null : r.GetGuid(8),
        Channel: WireNames.ParseWire<Channel>(r.GetString(9)),
        Customer: new CustomerView(
            r.GetGuid(10), r.GetString(11),
            r.IsDBNull(12) ? null : r.GetString(12),
            r.IsDBNull(13) ? null : r.GetString(13),
            r.IsDBNull(14) ? null : r.GetString(14),
            r.IsDBNull(24) ? null : r.GetString(24)),
        CreatedAt: r.GetFieldValue<DateTimeOffset>(15),
        UpdatedAt: r.GetFieldValue<DateTimeOffset>(16),
        FirstReplyAt: NullableTime(r, 17),
        ClosedAt: NullableTime(r, 18),
        FirstReplyDueAt: NullableTime(r, 19),
        ResolveDueAt: NullableTime(r, 20),
        Version: r.GetInt32(21),
        Route: r.IsDBNull(22) ? null : new ChatRoute(r.GetGuid(22), r.GetString(23)),
        FirstReplyBreachedAt: NullableTime(r, 25),
        ResolveBreachedAt: NullableTime(r, 26),
        Tags: r.IsDBNull(27) ? [] : Tags.TicketTags.Read(r.GetString(27)),
        MergedInto: r.IsDBNull(28) ? null : r.GetGuid(28),
        NextReplyDueAt: NullableTime(r, 29),
        NextReplyBreachedAt: NullableTime(r, 30),
        NextReplySince: NullableTime(r, 31),
        SlaPolicy: r.IsDBNull(32) ? null : SlaPolicies.SlaPolicyStore.ReadOne(r.GetString(32)),
        PausedAt: NullableTime(r, 33),
        ResolveLeft: r.IsDBNull(34) ? null : r.GetTimeSpan(34),
        PausedSeconds: r.GetInt64(35),
        CsatRequestedAt: NullableTime(r, r.GetOrdinal("csat_requested_at")),
        Csat: Zapnoty.Grains.Csat.CsatWrites.Read(r),
        FirstReplyBusinessSeconds: NullableLong(r, r.GetOrdinal("first_reply_business_seconds")),
        ResolutionBusinessSeconds: NullableLong(r, r.GetOrdinal("resolution_business_seconds")),
        PausedBusinessSeconds: NullableLong(r, r.GetOrdinal("sla_paused_business_seconds")));

    private static long? NullableLong(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetInt64(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader r, int ordinal) =>
        r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);
}
