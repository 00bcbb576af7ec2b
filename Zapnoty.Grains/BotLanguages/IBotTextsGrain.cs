using Orleans.Concurrency;

namespace Zapnoty.Grains.BotLanguages;

/// <summary>A project's bot texts in every language, keyed by the project id; read on every update of its chats, so kept in memory.</summary>
[Alias("Zapnoty.Grains.BotLanguages.IBotTextsGrain")]
public interface IBotTextsGrain : IGrainWithGuidKey
{
    /// <summary>The texts; <see cref="BotTextBook.Shipped"/> (English default, nothing of its own) while the project has set none.</summary>
    [Alias("B0771001")]
    [ReadOnly] Task<BotTextBook> Get();

    /// <summary>
    /// Replaces the project's own texts and type names in <paramref name="language"/> (empty maps: the
    /// shipped texts and given names). Each text is checked (<see cref="BotTextCatalog.Validate"/>), each
    /// type must be the project's.
    /// </summary>
    [Alias("B0771002")]
    Task<BotTextBook> SetLanguage(Actor actor, string language, IReadOnlyDictionary<string, string> texts, IReadOnlyDictionary<Guid, string> typeNames);

    /// <summary>Changes some of the texts in <paramref name="language"/>; a null value returns a text to its default.</summary>
    [Alias("B0771003")]
    Task<BotTextBook> ChangeTexts(Actor actor, string language, IReadOnlyDictionary<string, string?> changes);

    /// <summary>The language for customers whose own the bots do not speak; it must be one they speak (<see cref="BotTextBook.Spoken"/>).</summary>
    [Alias("B0771004")]
    Task<BotTextBook> SetDefaultLanguage(Actor actor, string language);
}
