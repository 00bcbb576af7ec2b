using Zapnoty.Api.Problems;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Tickets;

/// <summary>
/// The cursor of a search page: the place and number of its last ticket ("rank:number"), since a
/// search is ordered by place first. A plain list's cursor (a number) is refused under <c>q</c>.
/// </summary>
public static class SearchCursor
{
    public static string Encode(SearchHit last) => Paging.Encode($"{(int)last.Rank}:{last.Ticket.Number}");

    public static SearchPosition? Decode(string? cursor, Validation validation)
    {
        if (Paging.Decode(cursor, validation) is not { } position) return null;
        var parts = position.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], out var rank) && Enum.IsDefined((SearchRank)rank) && long.TryParse(parts[1], out var number))
            return new SearchPosition((SearchRank)rank, number);
        validation.Add("cursor", "The cursor is not one this API handed out for this search.");
        return null;
    }

    public static SearchMatchDto Match(SearchHit hit) => new(hit.Rank switch
    {
        SearchRank.Number => SearchField.Number,
        SearchRank.Subject or SearchRank.SubjectPart => SearchField.Subject,
        SearchRank.Customer or SearchRank.CustomerPart => SearchField.Customer,
        _ => SearchField.Message,
    }, hit.MessageId, hit.Snippet);
}
