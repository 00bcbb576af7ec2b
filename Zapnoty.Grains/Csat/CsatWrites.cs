using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Csat;

/// <summary>The ticket row's CSAT columns, read with the row and written in the transaction of the ticket's change.</summary>
public static class CsatWrites
{
    /// <summary>The rating from a row selected by <see cref="TicketRows.SelectFrom"/> (by column name, so columns added beside it do not move it).</summary>
    public static TicketCsat? Read(NpgsqlDataReader r)
    {
        var score = r.GetOrdinal("csat_score");
        if (r.IsDBNull(score)) return null;
        var comment = r.GetOrdinal("csat_comment");
        var until = r.GetOrdinal("csat_comment_until");
        return new TicketCsat(r.GetInt16(score), r.IsDBNull(comment) ? null : r.GetString(comment),
            r.GetFieldValue<DateTimeOffset>(r.GetOrdinal("csat_at")), r.IsDBNull(until) ? null : r.GetFieldValue<DateTimeOffset>(until));
    }

    /// <summary>Writes the ticket's CSAT state as <paramref name="ticket"/> has it.</summary>
    public static NpgsqlBatchCommand Save(TicketView ticket) => new("""
        UPDATE tickets SET csat_requested_at = $2, csat_score = $3, csat_comment = $4, csat_at = $5, csat_comment_until = $6 WHERE id = $1
        """)
    {
        Parameters =
        {
            new() { Value = ticket.Id },
            new() { Value = (object?)ticket.CsatRequestedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            new() { Value = ticket.Csat is { } rated ? (object)(short)rated.Score : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Smallint },
            new() { Value = (object?)ticket.Csat?.Comment ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            new() { Value = (object?)ticket.Csat?.At ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            new() { Value = (object?)ticket.Csat?.CommentUntil ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
        },
    };
}

/// <summary>The webhook events of CSAT.</summary>
public static class CsatEvents
{
    /// <summary>
    /// <c>ticket.csat_requested</c>, for a website ticket that just closed: the team's site shows the
    /// survey (<c>survey.question_text</c>, <c>survey.comment_prompt_text</c>) and posts the answer to
    /// <c>POST /v1/helpdesk/tickets/{id}/csat</c>.
    /// </summary>
    public static TicketEvent Requested(TicketView ticket, DateTimeOffset at, TeamDirectory team, CsatSettings settings)
    {
        var data = new Dictionary<string, object>
        {
            ["ticket"] = TicketDto.From(ticket, at, team),
            ["survey"] = new SurveyDto(settings.QuestionText, settings.CommentPromptText, CsatLimits.MinScore, CsatLimits.MaxScore),
        };
        return new TicketEvent(Guid.NewGuid(), ticket.Id, TicketEventTypes.CsatRequested, at, null, JsonSerializer.Serialize(data, WireJson.Options));
    }

    /// <summary><c>ticket.csat_received</c>: the ticket carries the score (and the comment, when it came).</summary>
    public static TicketEvent Received(TicketView ticket, DateTimeOffset at, TeamDirectory team) =>
        TicketEvents.Of(TicketEventTypes.CsatReceived, ticket, at, team);

    private sealed record SurveyDto(string QuestionText, string? CommentPromptText, int MinScore, int MaxScore);
}
