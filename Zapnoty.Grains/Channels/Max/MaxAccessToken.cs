using System.Text.RegularExpressions;

namespace Zapnoty.Grains.Channels.Max;

/// <summary>
/// The shape of a Max access token. Max publishes no format, so this only keeps out what cannot
/// be one: pasted sentences, stray spaces, line breaks (which would also break the
/// <c>Authorization</c> header the token travels in).
/// </summary>
public static partial class MaxAccessToken
{
    public const int MaxLength = 512;

    // Printable ASCII without spaces; a real token is far longer than 16 characters.
    [GeneratedRegex("^[\\x21-\\x7E]{16,512}$")]
    private static partial Regex Shape();

    public static bool HasValidShape(string? token) => token is not null && Shape().IsMatch(token);
}
