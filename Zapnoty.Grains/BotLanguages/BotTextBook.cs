using Zapnoty.Grains.Projects;

namespace Zapnoty.Grains.BotLanguages;

/// <summary>A project's own texts in one language (by <see cref="BotTextCatalog.Keys"/>) and its ticket type names in it.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.BotLanguages.BotLanguageTexts")]
public sealed record BotLanguageTexts(
    [property: Id(0)] IReadOnlyDictionary<string, string> Texts,
    [property: Id(1)] IReadOnlyDictionary<Guid, string> TypeNames)
{
    public static readonly BotLanguageTexts None = new(new Dictionary<string, string>(), new Dictionary<Guid, string>());

    public bool IsEmpty => Texts.Count == 0 && TypeNames.Count == 0;
}

/// <summary>
/// What a project's bots say, in every language: the project's default language and its own
/// texts per language over the shipped ones. The customer's language picks the texts when the
/// bots speak it (shipped, or texts of the project's own); otherwise the default does.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.BotLanguages.BotTextBook")]
public sealed record BotTextBook(
    [property: Id(0)] string DefaultLanguage,
    [property: Id(1)] IReadOnlyDictionary<string, BotLanguageTexts> Languages)
{
    public static readonly BotTextBook Shipped = new(BotLanguage.English, new Dictionary<string, BotLanguageTexts>());

    /// <summary>The languages the bots speak: the shipped ones and those the project wrote texts in.</summary>
    public IReadOnlyList<string> Spoken => [.. BotTextCatalog.ShippedLanguages.Union(Languages.Keys).Order(StringComparer.Ordinal)];

    /// <summary>The language to answer a customer who uses <paramref name="customerLanguage"/> (null: unknown).</summary>
    public string LanguageFor(string? customerLanguage) =>
        customerLanguage is not null && Spoken.Contains(customerLanguage) ? customerLanguage : DefaultLanguage;

    public BotLanguageTexts Of(string language) => Languages.GetValueOrDefault(language) ?? BotLanguageTexts.None;

    /// <summary>The project's own text of <paramref name="key"/> in <paramref name="language"/>, if it set one.</summary>
    public string? Own(string language, string key) => Of(language).Texts.GetValueOrDefault(key);

    /// <summary>The text of <paramref name="key"/> in <paramref name="language"/>: the project's own, else <see cref="Fallback"/>.</summary>
    public string Text(string language, string key) => Own(language, key) ?? Fallback(language, key);

    /// <summary>
    /// What <paramref name="key"/> says in <paramref name="language"/> without the project's own text
    /// there: the shipped text of that language, else the default language's text, else English.
    /// </summary>
    public string Fallback(string language, string key) =>
        BotTextCatalog.Shipped(language, key)
        ?? (language != DefaultLanguage ? Text(DefaultLanguage, key) : BotTextCatalog.Shipped(BotLanguage.English, key))
        ?? throw new ArgumentException($"'{key}' is not a bot text.", nameof(key));

    /// <summary>The text with <c>{project}</c> and the given placeholders filled in; others stay as written.</summary>
    public string Render(string language, string key, string projectName, params (string Name, string Value)[] values)
    {
        var text = Text(language, key).Replace("{project}", projectName);
        foreach (var (name, value) in values) text = text.Replace("{" + name + "}", value);
        return text;
    }

    /// <summary>The type's name in <paramref name="language"/>: the project's translation, else the name it was given.</summary>
    public string TypeName(string language, TicketTypeView type) => Of(language).TypeNames.GetValueOrDefault(type.Id) ?? type.Name;

    public BotTextBook WithLanguage(string language, BotLanguageTexts texts)
    {
        var languages = new Dictionary<string, BotLanguageTexts>(Languages);
        if (texts.IsEmpty) languages.Remove(language);
        else languages[language] = texts;
        return this with { Languages = languages };
    }
}
