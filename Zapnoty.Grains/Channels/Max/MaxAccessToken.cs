using System.Text.RegularExpressions;

namespace Zapnoty.Grains.Channels.Max;

/// <summary>
/// The shape of a Max access token, checked before any call to Max. Max publishes no format; its
/// tokens are long opaque strings of letters, digits and the base64/base64url punctuation. So
/// this keeps out what cannot be one: pasted sentences, spaces and line breaks (which would also
/// break the <c>Authorization</c> header the token travels in), template text such as
/// <c>{{ticket.number}}</c>, and paths such as <c>../../etc/passwd</c>.
/// </summary>
public static partial class MaxAccessToken
{
    public const int MaxLength = 512;

    // Letters, digits and - _ . = + only; a real token is far longer than 16 characters.
    [GeneratedRegex("^[A-Za-z0-9_.=+-]{16,512}$")]
    private static partial Regex Shape();

    public static bool HasValidShape(string? token) => token is not null && Shape().IsMatch(token);
}
