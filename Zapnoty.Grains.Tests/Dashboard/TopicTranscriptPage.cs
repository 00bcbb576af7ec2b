using System.Text;

namespace Zapnoty.Grains.Tests.Dashboard;

/// <summary>One line of a forum topic: who wrote it, what, its inline buttons, and whether the viewer wrote it.</summary>
public sealed record TopicLine(DateTimeOffset At, string Author, string Text, IReadOnlyList<string> Buttons, bool Mine);

/// <summary>
/// A forum topic drawn as a small HTML page in Telegram's style, from a transcript the test kept:
/// what the fake Bot API accepted from the bot in the topic, and what the test posted there as staff.
/// No Telegram client is involved; the README's picture says so.
/// </summary>
public static class TopicTranscriptPage
{
    public static string Html(string groupTitle, string topicName, bool closed, IEnumerable<TopicLine> lines)
    {
        var body = new StringBuilder();
        foreach (var line in lines.OrderBy(l => l.At))
        {
            body.Append($"<div class=\"row{(line.Mine ? " mine" : "")}\"><div class=\"bubble\">");
            if (!line.Mine) body.Append($"<div class=\"author\">{E(line.Author)}</div>");
            body.Append($"<div class=\"text\">{E(line.Text).Replace("\n", "<br>")}<span class=\"time\">{line.At:HH:mm}</span></div></div>");
            if (line.Buttons.Count > 0)
                body.Append("<div class=\"buttons\">" + string.Concat(line.Buttons.Select(b => $"<span>{E(b)}</span>")) + "</div>");
            body.Append("</div>");
        }
        if (closed) body.Append("<div class=\"service\">The topic was closed</div>");
        return $$"""
            <!doctype html>
            <html><head><meta charset="utf-8"><style>
            body { margin: 0; font: 15px/1.35 -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; background: #d5e3c9; width: 460px; }
            header { background: #fff; padding: 10px 16px; border-bottom: 1px solid #ccc; }
            header .name { font-weight: 600; } header .group { color: #708499; font-size: 13px; }
            main { padding: 10px 12px 4px; }
            .row { display: flex; flex-direction: column; align-items: flex-start; margin: 0 0 8px; }
            .row.mine { align-items: flex-end; }
            .bubble { background: #fff; border-radius: 12px; padding: 6px 10px; max-width: 360px; box-shadow: 0 1px 1px rgba(0,0,0,.12); }
            .mine .bubble { background: #e2ffc7; }
            .author { color: #3a8ccf; font-weight: 600; font-size: 13px; margin-bottom: 2px; }
            .time { color: #8a9aa9; font-size: 11px; float: right; margin: 6px 0 0 10px; }
            .buttons { display: flex; gap: 4px; width: 380px; margin-top: 4px; }
            .buttons span { flex: 1; text-align: center; background: rgba(70,110,60,.35); color: #fff; border-radius: 8px; padding: 7px 4px; font-weight: 500; }
            .service { text-align: center; margin: 6px auto 10px; color: #fff; background: rgba(60,90,50,.45); border-radius: 10px; padding: 3px 10px; width: fit-content; font-size: 13px; }
            .emoji { width: 1em; height: 1em; vertical-align: -0.12em; margin-right: 2px; }
            footer { font-size: 11px; color: #4d5d45; padding: 0 12px 10px; }
            </style></head><body>
            <header><div class="name">{{E(topicName)}}</div><div class="group">{{E(groupTitle)}} · topic</div></header>
            <main>{{body}}</main>
            <footer>Rendered from the fake Bot API's transcript in the test suite (StaffGroupTests), not a Telegram client.</footer>
            </body></html>
            """;
    }

    /// <summary>The text HTML-escaped, its emoji drawn as small SVGs: this machine's Chromium has no emoji font.</summary>
    private static string E(string text)
    {
        var escaped = text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
        foreach (var (emoji, svg) in Emoji) escaped = escaped.Replace(emoji, $"<svg class=\"emoji\" viewBox=\"0 0 16 16\">{svg}</svg>");
        return escaped;
    }

    private static readonly (string Emoji, string Svg)[] Emoji =
    [
        ("✅", "<rect width='16' height='16' rx='3' fill='#5cb85c'/><path d='M4 8.5l3 3 5-6' stroke='#fff' stroke-width='2' fill='none'/>"),
        ("⏳", "<path d='M4 2h8M4 14h8M5 2c0 4 6 4 6 6s-6 2-6 6M11 2c0 4-6 4-6 6s6 2 6 6' stroke='#a67c2e' fill='none' stroke-width='1.4'/>"),
        ("👤", "<circle cx='8' cy='5' r='3.2' fill='#4a78a8'/><path d='M2 15c0-3.5 2.7-5.5 6-5.5s6 2 6 5.5z' fill='#4a78a8'/>"),
        ("💬", "<path d='M2 3h12v8H7l-3 3v-3H2z' fill='#8fa3b5'/>"),
        ("📝", "<rect x='3' y='2' width='10' height='12' rx='1' fill='#f3e39a' stroke='#b9a34a'/><path d='M5 6h6M5 9h6M5 12h4' stroke='#8a7a30'/>"),
    ];
}
