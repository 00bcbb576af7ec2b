using System.Text.RegularExpressions;

namespace Zapnoty.Grains.BotLanguages;

/// <summary>
/// A language of bot texts: an ISO 639 code in lower case (<c>ru</c>, <c>en</c>). Messengers send
/// a BCP 47 tag (Telegram <c>language_code</c> "en" or "pt-br", Max <c>user_locale</c> "ru-RU");
/// only its language part picks texts.
/// </summary>
public static partial class BotLanguage
{
    public const string English = "en";
    public const string Russian = "ru";

    /// <summary>The language part of a messenger's tag, or null when it names none.</summary>
    public static string? FromTag(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag)) return null;
        var language = tag.Trim().Split('-', '_')[0].ToLowerInvariant();
        return Code().IsMatch(language) ? language : null;
    }

    /// <summary>A language the API was given (a route segment or a field); refused unless it is a code.</summary>
    public static string Parse(string? language, string field)
    {
        var code = language?.Trim().ToLowerInvariant();
        if (code is null || !Code().IsMatch(code))
            throw DomainException.Invalid(field, $"A language is a two- or three-letter ISO 639 code such as 'ru' or 'en' (got '{Shown(language)}').");
        return code;
    }

    private static string Shown(string? text) => text is null ? "" : text.Length > 20 ? text[..20] + "…" : text;

    [GeneratedRegex("^[a-z]{2,3}$")]
    private static partial Regex Code();
}
