using System.Text.RegularExpressions;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests.Guides;

/// <summary>
/// The code blocks of the integrators' guides (<c>docs/api/</c>) that tests run: a fenced block
/// right after a <c>&lt;!-- tested: NAME LANGUAGE --&gt;</c> line, taken exactly as printed.
/// </summary>
public static partial class GuideSnippets
{
    public static string Of(string guide, string name, string language)
    {
        var path = RepositoryFiles.PathOf("docs", "api", guide);
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var blocks = Tested().Matches(text)
            .Where(m => m.Groups["name"].Value == name && m.Groups["language"].Value == language)
            .Select(m => m.Groups["code"].Value)
            .ToList();
        Assert.True(blocks.Count == 1,
            $"docs/api/{guide} must hold exactly one code block marked <!-- tested: {name} {language} --> (found {blocks.Count}).");
        return blocks[0];
    }

    [GeneratedRegex(@"^<!-- tested: (?<name>\S+) (?<language>\S+) -->\n```[^\n]*\n(?<code>.*?\n)```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Tested();
}
