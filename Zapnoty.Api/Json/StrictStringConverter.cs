using System.Text.Json;
using System.Text.Json.Serialization;
using Zapnoty.Grains;

namespace Zapnoty.Api.Json;

/// <summary>
/// Refuses, in every string of every request body, what no text field can hold: U+0000
/// (PostgreSQL's <c>text</c> cannot store it, so it would fail the write with a 500) and
/// unpaired UTF-16 surrogates (not text at all; they turn into garbage or errors downstream).
/// One rule in the JSON input layer, so a new field cannot forget it. The refusal is a
/// <see cref="JsonException"/>, which the problem mapping answers as a 400 naming the field.
/// Names keep their own, stricter rules (no control characters) in their validation.
/// </summary>
public sealed class StrictStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"Expected a string, got {Describe(reader.TokenType)}.");
        return Checked(reader);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    /// <summary>Dictionary keys (bot text names) obey the same rule.</summary>
    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Checked(reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string Checked(Utf8JsonReader reader)
    {
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\ud800") that the reader cannot turn into a string.
            throw new JsonException("The text is not valid Unicode (an unpaired surrogate).");
        }
        if (Problem(value) is { } problem) throw new JsonException(problem);
        return value;
    }

    /// <summary>Why a string cannot be stored as text; null when it can.</summary>
    public static string? Problem(string value) => StorableText.FaultOf(value) switch
    {
        TextFault.Nul => "The text contains the character U+0000, which is not allowed.",
        TextFault.UnpairedSurrogate => "The text is not valid Unicode (an unpaired surrogate).",
        _ => null,
    };

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => token.ToString().ToLowerInvariant(),
    };
}
