using System.Text.RegularExpressions;

namespace Zapnoty.Grains.Channels.Telegram;

/// <summary>
/// The shape of a bot token (<c>123456789:AAH...</c>: the bot's numeric id, a colon, a secret).
/// Checked before any call so that pasted garbage never reaches Telegram or a URL path.
/// </summary>
public static partial class TelegramBotToken
{
    // The id part is at most 16 digits because Telegram.Bot refuses longer ones; the secret is
    // 35 characters today, but its length is not part of any published contract.
    [GeneratedRegex("^[0-9]{1,16}:[A-Za-z0-9_-]{1,200}$")]
    private static partial Regex Shape();

    public static bool HasValidShape(string? token) => token is not null && Shape().IsMatch(token);

    /// <summary>The bot id: the public part of the token, safe to log (the rest never is).</summary>
    public static string BotIdOf(string token)
    {
        var colon = token.IndexOf(':');
        return colon > 0 ? token[..colon] : "?";
    }
}
