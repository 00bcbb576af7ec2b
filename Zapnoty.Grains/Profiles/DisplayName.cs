namespace Zapnoty.Grains.Profiles;

/// <summary>What a person may call themselves: shown to their team and written into canned replies sent to customers.</summary>
public static class DisplayName
{
    public const int MaxLength = 80;

    public static string Valid(string? name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed)) throw DomainException.Invalid("name", "A name is required.");
        if (trimmed.Length > MaxLength)
            throw DomainException.Invalid("name", $"A name must be at most {MaxLength} characters.");
        // A line break or escape code would end up in customers' chats through {{agent.name}}.
        if (!OneLineText.IsSafe(trimmed))
            throw DomainException.Invalid("name", "A name must be one line of text, without control characters.");
        return trimmed;
    }
}
