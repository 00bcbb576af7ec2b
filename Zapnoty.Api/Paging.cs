using System.Text;
using Zapnoty.Api.Problems;

namespace Zapnoty.Api;

/// <summary>A page of a list: <c>{ items, next_cursor }</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// <c>?limit=</c> (1–200, default 50) and an opaque <c>?cursor=</c>. The cursor wraps the sort
/// key of the last item shown, so pages stay stable while new items arrive.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static int Limit(int? limit, Validation validation)
    {
        if (limit is null) return DefaultLimit;
        if (limit is < 1 or > MaxLimit) validation.Add("limit", $"limit must be between 1 and {MaxLimit}.");
        return limit.Value;
    }

    public static string Encode(string position) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(position)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A cursor that wraps a number (an id or a ticket number); null when none was given.</summary>
    public static long? DecodeNumber(string? cursor, Validation validation)
    {
        if (Decode(cursor, validation) is not { } position) return null;
        if (long.TryParse(position, out var number)) return number;
        validation.Add("cursor", "The cursor is not one this API handed out.");
        return null;
    }

    public static string? Decode(string? cursor, Validation validation)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - base64.Length % 4) % 4);
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            validation.Add("cursor", "The cursor is not one this API handed out.");
            return null;
        }
    }
}

/// <summary>
/// A page of the ticket list: <c>{ items, next_cursor }</c>. Its own type (rather than
/// <c>Page&lt;TicketListItemDto&gt;</c>) so the published schema keeps its name, <c>Api.TicketPage</c>.
/// </summary>
public sealed record TicketPage(IReadOnlyList<Tickets.TicketListItemDto> Items, string? NextCursor);
