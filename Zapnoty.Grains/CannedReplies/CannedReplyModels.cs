using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.CannedReplies;

/// <summary>A canned reply as the whole team of a project sees it; <see cref="Text"/> is the template.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.CannedReplies.CannedReplyView")]
public sealed record CannedReplyView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Text,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] IReadOnlyList<Guid>? TagIds = null);

/// <summary>Where a page of the list continues: after this title and id (see <see cref="CannedReplyRules.Order"/>).</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.CannedReplies.CannedReplyPosition")]
public sealed record CannedReplyPosition([property: Id(0)] string Title, [property: Id(1)] Guid Id);

/// <summary>A partial update: only the fields flagged as given change.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.CannedReplies.CannedReplyChange")]
public sealed record CannedReplyChange(
    [property: Id(0)] Actor Actor,
    [property: Id(1)] bool ChangesTitle,
    [property: Id(2)] string? Title,
    [property: Id(3)] bool ChangesText,
    [property: Id(4)] string? Text,
    [property: Id(5)] bool ChangesTags = false,
    [property: Id(6)] IReadOnlyList<Guid>? TagIds = null);

public static class CannedReplyLimits
{
    public const int MaxTitleLength = 100;
    public const int MaxPerProject = 500;
    /// <summary>The template's limit is a message's: a reply without variables is sent as written.</summary>
    public const int MaxTextLength = TicketLimits.MaxTextLength;
}

/// <summary>What makes a canned reply valid, shared by the API (to list every problem) and the grain (to refuse).</summary>
public static class CannedReplyRules
{
    /// <summary>By title ignoring case (ordinal, not a language's collation), then by id: a stable order for paging.</summary>
    public static int Order(string titleA, Guid idA, string titleB, Guid idB)
    {
        var byTitle = string.Compare(titleA, titleB, StringComparison.OrdinalIgnoreCase);
        return byTitle != 0 ? byTitle : idA.CompareTo(idB);
    }

    public static IEnumerable<(string Field, string Message)> TitleProblems(string? title)
    {
        var trimmed = title?.Trim();
        if (string.IsNullOrEmpty(trimmed))
            yield return ("title", "A title is required.");
        else if (trimmed.Length > CannedReplyLimits.MaxTitleLength)
            yield return ("title", $"The title must be at most {CannedReplyLimits.MaxTitleLength} characters (got {trimmed.Length}).");
    }

    public static IEnumerable<(string Field, string Message)> TextProblems(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield return ("text", "Text must not be empty.");
            yield break;
        }
        if (text.Length > CannedReplyLimits.MaxTextLength)
            yield return ("text", $"Text must be at most {CannedReplyLimits.MaxTextLength} characters (got {text.Length}).");
        foreach (var problem in ReplyTemplate.Parse(text).Problems)
            yield return ("text", problem.Message);
    }

    /// <summary>The title as stored (trimmed); Invalid when it is missing or too long.</summary>
    public static string Title(string? title)
    {
        ThrowFirst(TitleProblems(title));
        return title!.Trim();
    }

    /// <summary>The text as stored (as given: positions in errors refer to it); Invalid when it is not a valid template.</summary>
    public static string Text(string? text)
    {
        ThrowFirst(TextProblems(text));
        return text!;
    }

    private static void ThrowFirst(IEnumerable<(string Field, string Message)> problems)
    {
        foreach (var (field, message) in problems) throw DomainException.Invalid(field, message);
    }
}
