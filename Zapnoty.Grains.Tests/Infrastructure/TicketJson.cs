using System.Text.Json;

namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>Reads parts of a ticket as the API answers it.</summary>
public static class TicketJson
{
    public static string? UnreachableReason(JsonElement ticket) => ticket.GetProperty("customer").GetProperty("unreachable_reason").GetString();

    public static JsonElement Message(JsonElement ticket, Guid messageId) =>
        ticket.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("id").GetGuid() == messageId);
}
