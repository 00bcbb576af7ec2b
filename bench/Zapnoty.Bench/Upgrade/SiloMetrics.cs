using System.Globalization;
using System.Text.RegularExpressions;

namespace Zapnoty.Bench.Upgrade;

/// <summary>What a silo's Prometheus listener (<c>Zapnoty__Metrics__Port</c>) says about the grains it hosts.</summary>
public static partial class SiloMetrics
{
    /// <summary>
    /// Activations per grain type (Orleans' <c>orleans-grains</c> gauge) on the silo whose
    /// metrics listener is at <paramref name="listener"/>; empty if it exports none.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> Activations(HttpClient http, Uri listener, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri(listener, "/metrics"), cancellationToken);
        var activations = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match sample in GrainSample().Matches(text))
        {
            var type = GrainType().Match(sample.Groups["labels"].Value);
            if (!type.Success) continue;
            var count = (long)double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
            if (count > 0) activations[type.Groups[1].Value] = activations.GetValueOrDefault(type.Groups[1].Value) + count;
        }
        return activations;
    }

    /// <summary>Our grains, not Orleans' own system grains.</summary>
    public static long Ours(IReadOnlyDictionary<string, long> activations) =>
        activations.Where(a => !a.Key.StartsWith("Orleans", StringComparison.OrdinalIgnoreCase)).Sum(a => a.Value);

    public static string Describe(IReadOnlyDictionary<string, long> activations) => activations.Count == 0
        ? "none exported"
        : string.Join(", ", activations.OrderByDescending(a => a.Value).Select(a => $"{a.Value} {ShortName(a.Key)}"));

    private static string ShortName(string type) => type[(type.LastIndexOf('.') + 1)..];

    [GeneratedRegex(@"^orleans_grains\{(?<labels>[^}]*)\}\s+(?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex GrainSample();

    [GeneratedRegex(@"type=""([^""]*)""")]
    private static partial Regex GrainType();
}
