using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Zapnoty.Api.Problems;

/// <summary>
/// Collects field errors of one request; <see cref="ThrowIfAny"/> ends the request with a 400
/// listing all of them as <c>errors: { field: [messages] }</c>.
/// </summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public Validation Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public Validation Required(object? value, string field) =>
        value is null || value is string s && string.IsNullOrWhiteSpace(s) ? Add(field, $"The field {field} is required.") : this;

    public Validation MaxLength(string? value, int max, string field) =>
        value is not null && value.Length > max ? Add(field, $"The field {field} must be at most {max} characters (got {value.Length}).") : this;

    public void ThrowIfAny()
    {
        if (_errors.Count > 0) throw new ValidationFailed(Problem(_errors));
    }

    public static ValidationProblemDetails Problem(string field, string message) =>
        Problem(new Dictionary<string, List<string>> { [field] = [message] });

    private static ValidationProblemDetails Problem(Dictionary<string, List<string>> errors) =>
        new(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = Titles.For(400),
            Detail = errors.Count == 1 ? errors.First().Value[0] : "Some fields are invalid; see errors.",
        };
}

/// <summary>Raised by <see cref="Validation.ThrowIfAny"/>; answered as the problem it carries.</summary>
public sealed class ValidationFailed(ValidationProblemDetails problem) : Exception(problem.Detail)
{
    public ValidationProblemDetails Problem { get; } = problem;
}
