using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.BotLanguages;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.BotLanguages;

/// <summary>
/// What the bots say in one language. <c>texts</c>: what they say (the project's own text, else the
/// shipped one of the language, else the default language's); <c>defaults</c>: what each text is
/// without the project's own (the preview of an emptied text); <c>own</c>: the project's own texts
/// in this language; <c>placeholders</c>: what each text may hold (<c>{project}</c>, <c>{number}</c>, ...);
/// <c>ticket_types</c>: the active types with their <c>translation</c> here (null: the given name).
/// </summary>
public sealed record BotLanguageTextsDto(
    string Language,
    bool IsDefault,
    bool Shipped,
    IReadOnlyDictionary<string, string> Texts,
    IReadOnlyDictionary<string, string> Defaults,
    IReadOnlyDictionary<string, string> Own,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders,
    IReadOnlyList<TicketTypeNameDto> TicketTypes);

/// <summary>A ticket type as the type picker shows it in one language: <c>name</c> as given, <c>translation</c> if set.</summary>
public sealed record TicketTypeNameDto(Guid Id, string Name, string? Translation);

/// <summary>
/// The project's own texts in the language, replacing those it had (a key left out is the
/// shipped text), and the ticket type names in it by type id. Each text is 1–1,000 characters
/// (a button notice, <c>csat_already_rated</c> and <c>csat_closed</c>, 1–200), no control characters
/// but line breaks and tabs, and only its placeholders.
/// </summary>
public sealed record PutBotTextsRequest(Dictionary<string, string?>? Texts, Dictionary<string, string?>? TicketTypeNames);

/// <summary>
/// The bots' languages: <c>default_language</c> answers customers whose language the bots do not
/// speak; <c>languages</c> are those they speak (shipped, or with texts of the project's own).
/// </summary>
public sealed record BotLanguageSettingsDto(string DefaultLanguage, IReadOnlyList<string> Languages, IReadOnlyList<string> ShippedLanguages);

/// <summary>The language for customers whose own the bots do not speak: one of <c>languages</c>.</summary>
public sealed record BotLanguageSettingsRequest(string? DefaultLanguage);

public static class BotTextsApi
{
    public static IEndpointRouteBuilder MapBotTextsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/channels").WithTags("Channels").WithProjectAccess();
        // Two or three Latin letters, or the route is not found; BotLanguage.Parse lower-cases them.
        api.MapGet("/texts/{lang:alpha:length(2,3)}", Get);
        api.MapPut("/texts/{lang:alpha:length(2,3)}", Put).RequireRole(ProjectRole.Admin);
        api.MapGet("/settings", Settings);
        api.MapPut("/settings", ChangeSettings).RequireRole(ProjectRole.Admin);
        return app;
    }

    /// <summary>What the bots say in <c>lang</c> (an ISO 639 code: <c>ru</c>, <c>en</c>, ...), with the defaults and placeholders.</summary>
    private static async Task<Ok<BotLanguageTextsDto>> Get(Guid projectId, string lang, IGrainFactory grains)
    {
        var language = BotLanguage.Parse(lang, "lang");
        return TypedResults.Ok(await Dto(grains, projectId, language, await grains.GetGrain<IBotTextsGrain>(projectId).Get()));
    }

    /// <summary>Replaces the project's own texts and ticket type names in <c>lang</c>. Audited as <c>bot_texts.changed</c>.</summary>
    private static async Task<Ok<BotLanguageTextsDto>> Put(Guid projectId, string lang, PutBotTextsRequest body, Caller caller, IGrainFactory grains)
    {
        var language = BotLanguage.Parse(lang, "lang");
        var validation = new Validation();
        var texts = new Dictionary<string, string>();
        foreach (var (key, text) in body.Texts ?? [])
        {
            try
            {
                texts[key] = BotTextCatalog.Validate(key, text, $"texts.{key}");
            }
            catch (DomainException invalid) when (invalid.Kind == DomainErrorKind.Invalid)
            {
                validation.Add(invalid.Field ?? $"texts.{key}", invalid.Message);
            }
        }
        var typeNames = new Dictionary<Guid, string>();
        foreach (var (key, name) in body.TicketTypeNames ?? [])
        {
            if (!Guid.TryParse(key, out var typeId)) validation.Add($"ticket_type_names.{key}", "A key of ticket_type_names is a ticket type id.");
            else if (name is null) validation.Add($"ticket_type_names.{key}", "A name is required; leave the type out to use its given name.");
            else typeNames[typeId] = name;
        }
        validation.ThrowIfAny();
        var book = await grains.GetGrain<IBotTextsGrain>(projectId).SetLanguage(caller.Actor, language, texts, typeNames);
        return TypedResults.Ok(await Dto(grains, projectId, language, book));
    }

    /// <summary>The bots' default language and the languages they speak.</summary>
    private static async Task<Ok<BotLanguageSettingsDto>> Settings(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(SettingsDto(await grains.GetGrain<IBotTextsGrain>(projectId).Get()));

    /// <summary>Sets the default language. Audited as <c>bot_texts.default_language_changed</c>.</summary>
    private static async Task<Ok<BotLanguageSettingsDto>> ChangeSettings(Guid projectId, BotLanguageSettingsRequest body, Caller caller,
        IGrainFactory grains)
    {
        new Validation().Required(body.DefaultLanguage, "default_language").ThrowIfAny();
        return TypedResults.Ok(SettingsDto(await grains.GetGrain<IBotTextsGrain>(projectId).SetDefaultLanguage(caller.Actor, body.DefaultLanguage!)));
    }

    private static BotLanguageSettingsDto SettingsDto(BotTextBook book) => new(book.DefaultLanguage, book.Spoken, BotTextCatalog.ShippedLanguages);

    private static async Task<BotLanguageTextsDto> Dto(IGrainFactory grains, Guid projectId, string language, BotTextBook book)
    {
        var types = await grains.GetGrain<IProjectGrain>(projectId).ListTicketTypes(includeArchived: false);
        var own = book.Of(language);
        return new BotLanguageTextsDto(
            language, language == book.DefaultLanguage, BotTextCatalog.ShippedLanguages.Contains(language),
            BotTextCatalog.Keys.ToDictionary(k => k, k => book.Text(language, k)),
            BotTextCatalog.Keys.ToDictionary(k => k, k => book.Fallback(language, k)),
            own.Texts,
            BotTextCatalog.Keys.ToDictionary(k => k, BotTextCatalog.PlaceholdersOf),
            types.Select(t => new TicketTypeNameDto(t.Id, t.Name, own.TypeNames.GetValueOrDefault(t.Id))).ToList());
    }
}
