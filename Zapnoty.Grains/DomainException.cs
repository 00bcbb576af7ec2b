namespace Zapnoty.Grains;

/// <summary>What kind of refusal a command met; the API maps each to its HTTP status.</summary>
[GenerateSerializer]
public enum DomainErrorKind
{
    Invalid,
    NotFound,
    Conflict,
    Gone,
    PaymentRequired,
}

/// <summary>
/// A command refused for a reason the caller can act on (bad input, unknown id, a conflict).
/// Thrown by grains, it crosses the grain boundary intact and becomes a problem details answer.
/// Faults (database down, bugs) are other exceptions and stay 5xx.
/// </summary>
[GenerateSerializer]
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

    public static DomainException Invalid(string field, string message) => new(DomainErrorKind.Invalid, message, field);
    public static DomainException NotFound(string message) => new(DomainErrorKind.NotFound, message);
    public static DomainException Conflict(string message, string? field = null) => new(DomainErrorKind.Conflict, message, field);
}
