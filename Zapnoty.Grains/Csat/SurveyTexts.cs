using Zapnoty.Grains.BotLanguages;

namespace Zapnoty.Grains.Csat;

/// <summary>
/// What the survey says in a customer's chat, in their language. The texts set through the CSAT
/// settings are the default language's survey texts (as before languages); a project's own bot
/// texts of a language come first, and the shipped texts fill the rest. The comment is asked for
/// only while the CSAT settings have a comment prompt.
/// </summary>
public sealed record SurveyTexts(string Question, string Thanks, string? CommentPrompt, string CommentTaken)
{
    public static SurveyTexts For(BotTextBook book, CsatSettings settings, string? customerLanguage, string projectName)
    {
        var language = book.LanguageFor(customerLanguage);
        string Pick(string key, string? setting, string? shippedSetting) =>
            (book.Own(language, key)
             ?? (language == book.DefaultLanguage && setting is not null && setting != shippedSetting ? setting : null)
             ?? book.Fallback(language, key)).Replace("{project}", projectName);
        return new SurveyTexts(
            Pick("csat_question", settings.QuestionText, CsatSettings.Default.QuestionText),
            Pick("csat_thanks", settings.ThanksText, CsatSettings.Default.ThanksText),
            settings.CommentPromptText is null ? null : Pick("csat_comment_prompt", settings.CommentPromptText, null),
            Pick("csat_comment_taken", null, null));
    }
}
