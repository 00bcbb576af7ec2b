using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Storage;

namespace Zapnoty.Grains.BotLanguages;

/// <summary>Owns one project's bot texts: validate, one transaction with the audit entry, then memory.</summary>
public sealed class BotTextsGrain(BotTextsStore store, TimeProvider clock) : Grain, IBotTextsGrain
{
    public const string AuditLanguageChanged = "bot_texts.default_language_changed";

    private BotTextBook? _book;

    private Guid ProjectId => this.GetPrimaryKey();

    public async Task<BotTextBook> Get() => _book ??= await store.Load(ProjectId, CancellationToken.None) ?? BotTextBook.Shipped;

    public async Task<BotTextBook> SetLanguage(Actor actor, string language, IReadOnlyDictionary<string, string> texts,
        IReadOnlyDictionary<Guid, string> typeNames)
    {
        language = BotLanguage.Parse(language, "language");
        var checkedTexts = texts.ToDictionary(t => t.Key, t => BotTextCatalog.Validate(t.Key, t.Value, $"texts.{t.Key}"));
        var types = await GrainFactory.GetGrain<IProjectGrain>(ProjectId).ListTicketTypes(includeArchived: true);
        var checkedNames = new Dictionary<Guid, string>();
        foreach (var (typeId, name) in typeNames)
        {
            var field = $"ticket_type_names.{typeId}";
            if (types.All(t => t.Id != typeId)) throw DomainException.Invalid(field, $"The project has no ticket type {typeId}.");
            checkedNames[typeId] = ProjectValidation.Name(name, field);
        }
        return await Save(actor, language, new BotLanguageTexts(checkedTexts, checkedNames));
    }

    public async Task<BotTextBook> ChangeTexts(Actor actor, string language, IReadOnlyDictionary<string, string?> changes)
    {
        language = BotLanguage.Parse(language, "language");
        var current = (await Get()).Of(language);
        var texts = new Dictionary<string, string>(current.Texts);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                // Unknown keys are refused even when they return "to the default": a typo must not look done.
                BotTextCatalog.Validate(key, "-", key);
                texts.Remove(key);
            }
            else texts[key] = BotTextCatalog.Validate(key, value, key);
        }
        return await Save(actor, language, current with { Texts = texts });
    }

    public async Task<BotTextBook> SetDefaultLanguage(Actor actor, string language)
    {
        language = BotLanguage.Parse(language, "default_language");
        var book = await Get();
        if (!book.Spoken.Contains(language))
            throw DomainException.Invalid("default_language",
                $"The bots have no texts in '{language}': write them first (PUT .../channels/texts/{language}), or pick one of {string.Join(", ", book.Spoken)}.");
        if (book.DefaultLanguage == language) return book;
        await store.SaveDefaultLanguage(ProjectId, language,
            new AuditEntry(clock.StoredNow(), actor, AuditLanguageChanged, ProjectId.ToString(), new { from = book.DefaultLanguage, to = language }),
            CancellationToken.None);
        return _book = book with { DefaultLanguage = language };
    }

    private async Task<BotTextBook> Save(Actor actor, string language, BotLanguageTexts texts)
    {
        var book = await Get();
        if (book.Of(language) is var before && Same(before, texts)) return book;
        await store.SaveLanguage(ProjectId, language, texts,
            new AuditEntry(clock.StoredNow(), actor, AuditActions.BotTextsChanged, ProjectId.ToString(),
                new { language, texts = texts.Texts.Keys.Order().ToArray(), ticket_type_names = texts.TypeNames.Count }),
            CancellationToken.None);
        return _book = book.WithLanguage(language, texts);
    }

    private static bool Same(BotLanguageTexts a, BotLanguageTexts b) =>
        a.Texts.Count == b.Texts.Count && a.Texts.All(t => b.Texts.TryGetValue(t.Key, out var v) && v == t.Value)
        && a.TypeNames.Count == b.TypeNames.Count && a.TypeNames.All(t => b.TypeNames.TryGetValue(t.Key, out var v) && v == t.Value);
}
