using System.Globalization;

namespace Zapnoty.Grains;

/// <summary>
/// The rule for short names people give things (display names, project, ticket-type and API key
/// names): they reach emails, logs, chats and dashboards, so they must be one line of visible
/// text. A line break forges log lines, a bidi override (U+202E) makes "gpj.exe" read "exe.jpg",
/// NUL is refused by PostgreSQL, a lone surrogate cannot be stored as UTF-8.
/// </summary>
public static class OneLineText
{
    /// <summary>Whether <paramref name="text"/> has no control, line-separating, invisible formatting or broken characters.</summary>
    public static bool IsSafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c) || char.IsControl(c) || c is '\u2028' or '\u2029') return false;
            // Zero-width joiners stay: scripts such as Persian and emoji sequences need them.
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format && c is not ('\u200C' or '\u200D')) return false;
        }
        return true;
    }
}
