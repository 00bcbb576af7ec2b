using System.Text.RegularExpressions;
using Zapnoty.Grains.Team;

namespace Zapnoty.Grains.Notifications;

/// <summary>
/// Who a note mentions, among the project's current members who have logged in. A mention is an
/// <c>@</c> at the start of the text or after a space or punctuation (so an email address written
/// out in the text mentions nobody), followed by:
/// <list type="bullet">
/// <item><c>@anna@example.com</c>: the member with that email;</item>
/// <item><c>@"Anna K"</c>: the member with that display name (quotes for names with spaces);</item>
/// <item><c>@anna</c> or <c>@AnnaK</c>: the member whose display name, without spaces, is that;
/// else the one whose name's first word is that; else the one whose email starts with that
/// before the <c>@</c>.</item>
/// </list>
/// Letters are compared case-insensitively. A word that fits several members in the same way
/// mentions none of them (naming the wrong person is worse than naming nobody): use the email.
/// </summary>
public static partial class Mentions
{
    /// <summary>At most this many people are told about one note; the rest of a long list is ignored.</summary>
    public const int MaxPerNote = 50;

    public static IReadOnlyList<Guid> In(string text, IEnumerable<MemberView> members)
    {
        var people = members.Where(m => m is { Active: true, UserId: not null }).ToList();
        var found = new List<Guid>();
        foreach (Match match in Mention().Matches(text))
        {
            var quoted = match.Groups["quoted"];
            var who = quoted.Success ? ByName(quoted.Value.Trim(), people) : ByWord(match.Groups["word"].Value.TrimEnd('.', '-', '_'), people);
            if (who is { } id && !found.Contains(id)) found.Add(id);
            if (found.Count == MaxPerNote) break;
        }
        return found;
    }

    private static Guid? ByName(string name, List<MemberView> people) =>
        Single(people.Where(m => Same(m.Name, name))) ?? Single(people.Where(m => Same(m.Email, name)));

    private static Guid? ByWord(string word, List<MemberView> people)
    {
        if (word.Length == 0) return null;
        if (word.Contains('@')) return Single(people.Where(m => Same(m.Email, word)));
        return Single(people.Where(m => Same(m.Name?.Replace(" ", ""), word)))
            ?? Single(people.Where(m => Same(m.Name?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), word)))
            ?? Single(people.Where(m => Same(m.Email.Split('@')[0], word)));
    }

    /// <summary>The one member that fits; none when no one or several do.</summary>
    private static Guid? Single(IEnumerable<MemberView> fits)
    {
        var ids = fits.Select(m => m.UserId!.Value).Distinct().Take(2).ToList();
        return ids.Count == 1 ? ids[0] : null;
    }

    private static bool Same(string? a, string b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    // A word: letters, digits and . _ % + - (an email's local part), optionally @domain.
    [GeneratedRegex("""(?<![\p{L}\p{N}@._%+\-])@(?:"(?<quoted>[^"\r\n]{1,100})"|(?<word>[\p{L}\p{N}][\p{L}\p{N}._%+\-]{0,99}(?:@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+)?))""")]
    private static partial Regex Mention();
}
