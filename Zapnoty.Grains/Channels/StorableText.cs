using System.Text;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// What a messenger sends, made storable: PostgreSQL keeps no U+0000 in <c>text</c> or <c>jsonb</c>
/// and no unpaired surrogate in <c>jsonb</c>. Such a character in a customer's message or name
/// would fail the inbox insert on every redelivery and hold the bot's update queue; the API
/// refuses them in requests instead, but a customer's message cannot be refused, only cleaned.
/// </summary>
public static class StorableText
{
    public static IncomingUpdate Of(IncomingUpdate update) => update with
    {
        Key = Clean(update.Key)!,
        ChatId = Clean(update.ChatId)!,
        User = update.User with { Id = Clean(update.User.Id)!, Name = Clean(update.User.Name), Username = Clean(update.User.Username) },
        Text = Clean(update.Text),
        Attachments = update.Attachments.Select(a => a with
        {
            Kind = Clean(a.Kind)!, FileId = Clean(a.FileId)!, FileName = Clean(a.FileName), MimeType = Clean(a.MimeType), Url = Clean(a.Url),
        }).ToList(),
        MessageId = Clean(update.MessageId),
        CallbackId = Clean(update.CallbackId),
        CallbackData = Clean(update.CallbackData),
    };

    /// <summary>Drops U+0000 and turns an unpaired surrogate into U+FFFD; other text is returned as it is.</summary>
    public static string? Clean(string? text)
    {
        if (text is null || IsStorable(text)) return text;
        var clean = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                clean.Append(c).Append(text[++i]);
            else
                clean.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
        }
        return clean.ToString();
    }

    private static bool IsStorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return false;
            if (!char.IsSurrogate(c)) continue;
            if (!char.IsHighSurrogate(c) || i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
            i++;
        }
        return true;
    }
}
