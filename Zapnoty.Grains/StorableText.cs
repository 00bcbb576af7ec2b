using System.Text;

namespace Zapnoty.Grains;

/// <summary>What PostgreSQL cannot store in <c>text</c> or <c>jsonb</c>.</summary>
public enum TextFault { Nul, UnpairedSurrogate }

/// <summary>
/// The one rule for text PostgreSQL can store: no U+0000 (refused by <c>text</c> and <c>jsonb</c>)
/// and no unpaired UTF-16 surrogate (not text at all, refused by <c>jsonb</c>). The API refuses
/// such text (<see cref="FaultOf"/>); what a messenger sends cannot be refused, only cleaned
/// (<see cref="Clean"/>).
/// </summary>
public static class StorableText
{
    /// <summary>The first reason <paramref name="text"/> cannot be stored; null when it can.</summary>
    public static TextFault? FaultOf(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return TextFault.Nul;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(c)) return TextFault.UnpairedSurrogate;
        }
        return null;
    }

    /// <summary>Drops U+0000 and turns an unpaired surrogate into U+FFFD; other text is returned as it is.</summary>
    public static string? Clean(string? text)
    {
        if (text is null || FaultOf(text) is null) return text;
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                clean.Append(c).Append(text[++i]);
            else
                clean.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return clean.ToString();
    }
}
