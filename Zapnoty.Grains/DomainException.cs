namespace Zapnoty.Grains;

/// <summary>What kind of refusal a command met; the API maps each to its HTTP status.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.DomainErrorKind")]
public enum DomainErrorKind
{
    Invalid,
    NotFound,
    Conflict,
    Gone,
    PaymentRequired,
    /// <summary>The caller is known and sees the object but lacks the right (403).</summary>
    Forbidden,
    /// <summary>Too many attempts; <see cref="DomainException.RetryAfter"/> says when to come back (429).</summary>
    TooManyRequests,
    /// <summary>Well-formed but against a rule of the domain as a whole (a cap reached, a merge of unrelated tickets, an idempotency key reused for another request): 422.</summary>
    Unprocessable,
}

/// <summary>
/// A command refused for a reason the caller can act on (bad input, unknown id, a conflict).
/// Thrown by grains, it crosses the grain boundary intact and becomes a problem details answer.
/// Faults (database down, bugs) are other exceptions and stay 5xx.
/// </summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.DomainException")]
public sealed class DomainException : Exception
{
    public DomainException() { }

    public DomainException(DomainErrorKind kind, string message, string? field = null) : base(message)
    {
        Kind = kind;
        Field = field;
    }

    [Id(0)] public DomainErrorKind Kind { get; init; }

    /// <summary>The request field at fault, in its wire (snake_case) name, when there is one.</summary>
    [Id(1)] public string? Field { get; init; }

    /// <summary>For <see cref="DomainErrorKind.TooManyRequests"/>: how long until a new attempt is accepted.</summary>
    [Id(2)] public TimeSpan? RetryAfter { get; init; }

    /// <summary>For the stale reply guard's Conflict: the messages written after the one the caller saw last.</summary>
    [Id(3)] public IReadOnlyList<Tickets.MessageView>? NewerMessages { get; init; }

    public static DomainException Invalid(string field, string message) => new(DomainErrorKind.Invalid, message, field);
    public static DomainException NotFound(string message) => new(DomainErrorKind.NotFound, message);
    public static DomainException Conflict(string message, string? field = null) => new(DomainErrorKind.Conflict, message, field);
    public static DomainException Forbidden(string message) => new(DomainErrorKind.Forbidden, message);
    public static DomainException Gone(string message) => new(DomainErrorKind.Gone, message);
    public static DomainException TooManyRequests(string message, TimeSpan retryAfter) =>
        new(DomainErrorKind.TooManyRequests, message) { RetryAfter = retryAfter };
    public static DomainException Unprocessable(string message, string? field = null) => new(DomainErrorKind.Unprocessable, message, field);
}
