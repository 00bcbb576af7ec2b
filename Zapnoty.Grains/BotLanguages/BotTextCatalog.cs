namespace Zapnoty.Grains.BotLanguages;

/// <summary>
/// Every text a project's bots send, by key, and the shipped texts in English and Russian. A
/// project overrides any of them per language (<see cref="BotTextBook"/>); what it has not set
/// is the shipped text.
/// </summary>
public static class BotTextCatalog
{
    public const int MaxLength = 1000;

    /// <summary>The placeholders a text of each key may hold; <c>{project}</c> fits in any.</summary>
    private static readonly Dictionary<string, string[]> Placeholders = new()
    {
        ["greeting"] = [], ["choose_type"] = [], ["ticket_created"] = ["number"], ["invalid_link"] = [],
        ["status"] = ["number", "status"], ["no_ticket"] = [], ["new_ticket"] = [],
        ["draft_full"] = ["limit"], ["daily_limit"] = [], ["refused"] = ["reason"],
        ["csat_question"] = [], ["csat_thanks"] = [], ["csat_comment_prompt"] = [],
        ["csat_already_rated"] = [], ["csat_closed"] = [], ["csat_comment_taken"] = [],
        ["status_new"] = [], ["status_in_progress"] = [], ["status_waiting"] = [], ["status_closed"] = [],
    };

    public static readonly IReadOnlyList<string> Keys = [.. Placeholders.Keys];

    public static bool IsKey(string key) => Placeholders.ContainsKey(key);

    /// <summary>The notices on a pressed button show in a small pop-up, which Telegram caps at 200 characters.</summary>
    public const int MaxNoticeLength = 200;

    public static int MaxLengthOf(string key) => key is "csat_already_rated" or "csat_closed" ? MaxNoticeLength : MaxLength;

    /// <summary>The placeholders <paramref name="key"/>'s text may hold, with <c>{project}</c>.</summary>
    public static IReadOnlyList<string> PlaceholdersOf(string key) => ["project", .. Placeholders[key]];

    public static readonly IReadOnlyList<string> ShippedLanguages = [BotLanguage.English, BotLanguage.Russian];

    private static readonly Dictionary<string, string> English = new()
    {
        ["greeting"] = "Hi! This is {project} support. Describe your problem in one message; you can attach a photo or a file.",
        ["choose_type"] = "Thanks! What is it about?",
        ["ticket_created"] = "Ticket #{number} created. We will answer you here.",
        ["invalid_link"] = "Sorry, this support link is not valid. Please check it with the company you are contacting.",
        ["status"] = "Ticket #{number}: {status}.",
        ["no_ticket"] = "You have no open ticket. Describe your problem in one message to start one.",
        ["new_ticket"] = "Describe your new problem in one message.",
        ["draft_full"] = "Your description is close to {limit} characters, the most one message may have, so your last message was not added to it. "
            + "Please pick a topic below; you can write more once the ticket is open.",
        ["daily_limit"] = "You have sent a great many messages on this ticket today; further ones are not kept until tomorrow (UTC). "
            + "We will read what you have sent.",
        ["refused"] = "Sorry, we could not take that message: {reason} Send /new to start over.",
        ["csat_question"] = "How did we do? Please rate our help from 1 (poor) to 5 (excellent).",
        ["csat_thanks"] = "Thank you for your rating!",
        ["csat_comment_prompt"] = "Would you like to tell us more? Just write it here.",
        ["csat_already_rated"] = "You have already rated this conversation. Thank you!",
        ["csat_closed"] = "This survey is closed.",
        ["csat_comment_taken"] = "Thank you, we have passed your comment on to the team.",
        ["status_new"] = "new",
        ["status_in_progress"] = "in progress",
        ["status_waiting"] = "waiting",
        ["status_closed"] = "closed",
    };

    private static readonly Dictionary<string, string> Russian = new()
    {
        ["greeting"] = "Здравствуйте! Это поддержка {project}. Опишите проблему одним сообщением; можно приложить фото или файл.",
        ["choose_type"] = "Спасибо! К какой теме это относится?",
        ["ticket_created"] = "Обращение №{number} создано. Мы ответим вам здесь.",
        ["invalid_link"] = "К сожалению, эта ссылка на поддержку недействительна. Уточните её у компании, в которую вы обращаетесь.",
        ["status"] = "Обращение №{number}: {status}.",
        ["no_ticket"] = "У вас нет открытых обращений. Опишите проблему одним сообщением, чтобы создать новое.",
        ["new_ticket"] = "Опишите новую проблему одним сообщением.",
        ["draft_full"] = "Описание приближается к {limit} символам — это максимум для одного сообщения, поэтому последнее сообщение в него не вошло. "
            + "Выберите тему ниже; дописать можно будет, когда обращение откроется.",
        ["daily_limit"] = "Сегодня вы отправили очень много сообщений по этому обращению; следующие не сохранятся до завтра (UTC). "
            + "Мы прочитаем то, что вы уже отправили.",
        ["refused"] = "К сожалению, мы не смогли принять это сообщение: {reason} Отправьте /new, чтобы начать заново.",
        ["csat_question"] = "Как мы справились? Оцените нашу помощь от 1 (плохо) до 5 (отлично).",
        ["csat_thanks"] = "Спасибо за оценку!",
        ["csat_comment_prompt"] = "Хотите рассказать подробнее? Просто напишите здесь.",
        ["csat_already_rated"] = "Вы уже оценили это обращение. Спасибо!",
        ["csat_closed"] = "Этот опрос закрыт.",
        ["csat_comment_taken"] = "Спасибо, мы передали ваш комментарий команде.",
        ["status_new"] = "новое",
        ["status_in_progress"] = "в работе",
        ["status_waiting"] = "ждёт вашего ответа",
        ["status_closed"] = "закрыто",
    };

    /// <summary>The shipped text of <paramref name="key"/> in <paramref name="language"/>, or null when none is shipped in it.</summary>
    public static string? Shipped(string language, string key) => language switch
    {
        BotLanguage.English => English.GetValueOrDefault(key),
        BotLanguage.Russian => Russian.GetValueOrDefault(key),
        _ => null,
    };

    /// <summary>
    /// Checks a text an admin set for <paramref name="key"/>: 1 to <see cref="MaxLength"/> characters
    /// after trimming, no control characters but line breaks and tabs, nothing PostgreSQL cannot
    /// store, and only the key's placeholders (a misspelt one would reach customers as typed).
    /// </summary>
    public static string Validate(string key, string? text, string field)
    {
        if (!IsKey(key))
            throw DomainException.Invalid(field, $"'{Shorten(key)}' is not a bot text; the texts are: {string.Join(", ", Keys)}.");
        text = text?.Trim();
        var max = MaxLengthOf(key);
        if (string.IsNullOrEmpty(text) || text.Length > max)
            throw DomainException.Invalid(field, $"The text of '{key}' must be 1 to {max} characters.");
        if (StorableText.FaultOf(text) is not null || text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            throw DomainException.Invalid(field, "A bot text may not contain control characters other than line breaks and tabs.");
        var allowed = PlaceholdersOf(key);
        foreach (var name in PlaceholderNames(text))
            if (!allowed.Contains(name))
                throw DomainException.Invalid(field,
                    $"The text of '{key}' may use {string.Join(", ", allowed.Select(p => "{" + p + "}"))}; '{{{Shorten(name)}}}' is not one of them.");
        return text;
    }

    /// <summary>The names inside <c>{…}</c> that look like placeholders (letters and underscores).</summary>
    private static IEnumerable<string> PlaceholderNames(string text)
    {
        for (var start = text.IndexOf('{'); start >= 0; start = text.IndexOf('{', start + 1))
        {
            var end = text.IndexOf('}', start + 1);
            if (end < 0) yield break;
            var name = text[(start + 1)..end];
            if (name.Length > 0 && name.All(c => char.IsAsciiLetter(c) || c == '_')) yield return name;
        }
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
