using System.Globalization;
using System.Text;

namespace Zapnoty.Grains.Files;

/// <summary>
/// The name an uploaded file is kept and sent under: only the last path segment of what the
/// browser said (either slash), without control, format (bidi overrides) or separator
/// characters, without leading dots, at most <see cref="FileLimits.MaxNameLength"/> characters
/// with the extension kept; "file" when nothing is left.
/// </summary>
public static class FileNames
{
    public const string Fallback = "file";

    public static string Sanitise(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return Fallback;
        var name = raw.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var clean = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
                continue;
            clean.Append(c is ':' or '*' or '?' or '"' or '<' or '>' or '|' ? '_' : c);
        }
        var result = clean.ToString().Trim().TrimStart('.').Trim();
        if (result.Length == 0) return Fallback;
        if (result.Length > FileLimits.MaxNameLength)
        {
            var extension = Path.GetExtension(result);
            if (extension.Length > 20) extension = "";
            result = result[..(FileLimits.MaxNameLength - extension.Length)] + extension;
        }
        return result;
    }
}
