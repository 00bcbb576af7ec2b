using System.Text.Json;
using Zapnoty.Grains.Channels;

namespace Zapnoty.Grains.Tickets;

/// <summary>
/// The delivery of each file of an agent's messenger reply. Every file is its own outbox row, so
/// the second of three may fail while the others get through; the rows' states are copied into
/// the message's <c>file_deliveries</c> with the reply's outcome, and each file shows its own.
/// </summary>
public static class FileDeliveries
{
    /// <summary>
    /// The statement that records the reply's outcome ($2, $3) and its files' states from their
    /// outbox rows, answering those states (null for a reply without files).
    /// </summary>
    public const string SetSql = """
        UPDATE ticket_messages SET delivery = $2, delivery_error = $3,
               file_deliveries = (SELECT jsonb_object_agg(o.file->>'stored_id', jsonb_build_object('status', o.status, 'error', o.last_error))
                                    FROM channel_outbox o WHERE o.message_id = $1 AND o.file IS NOT NULL)
         WHERE id = $1
        RETURNING file_deliveries::text
        """;

    /// <summary>
    /// The reply's files with their deliveries: from the recorded states, else (still on the way,
    /// or sent before files had their own) the reply's own. Files of website replies
    /// (<see cref="Delivery.Webhook"/>) and the customer's files have none.
    /// </summary>
    public static IReadOnlyList<Attachment> Apply(IReadOnlyList<Attachment> files, Delivery reply, string? states)
    {
        if (reply == Delivery.Webhook || files.All(f => f.StoredId is null)) return files;
        var recorded = states is null ? null : JsonSerializer.Deserialize<Dictionary<string, FileState>>(states, WireJson.Options);
        return files.Select(f => f.StoredId is not { } id ? f
            : recorded?.GetValueOrDefault(id.ToString()) is { } state ? f with { Delivery = state.Delivery, DeliveryError = state.Delivery == Delivery.Failed ? state.Error : null }
            : f with { Delivery = reply, DeliveryError = null }).ToList();
    }

    /// <summary>An outbox row's state: <c>sent</c>, <c>failed</c> (with the error), or still on its way.</summary>
    private sealed record FileState(string Status, string? Error)
    {
        public Delivery Delivery => Status switch { "sent" => Delivery.Delivered, "failed" => Delivery.Failed, _ => Delivery.Pending };
    }
}
