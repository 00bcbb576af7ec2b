using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Conversations;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Channels;

/// <summary>
/// Where Telegram posts a connected bot's updates. The route only checks, records and hands
/// over: the update lands in the inbox (a redelivery is recognised by its update_id) and the
/// chat's conversation grain applies it right after, so Telegram gets its 200 at once.
/// </summary>
public static class TelegramWebhookApi
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    public static IEndpointRouteBuilder MapTelegramWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/channels/telegram/{botId}/webhook", Receive).WithTags("Channels").AllowAnonymous();
        return app;
    }

    /// <summary>Called by Telegram. Wrong or missing secret: 401, nothing recorded.</summary>
    private static async Task<Results<Ok, ProblemHttpResult>> Receive(string botId, HttpRequest request, IGrainFactory grains, ChannelInbox inbox,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var bot = botId.Length <= 32 ? await grains.GetGrain<IBotGrain>(BotKeys.Of(Channel.Telegram, botId)).Live() : null;
        if (bot is null || !SameSecret(request.Headers[SecretHeader].ToString(), bot.WebhookSecret))
            return TypedResults.Problem(statusCode: 401, title: Titles.For(401), detail: "Unknown bot or wrong secret token.");

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var now = clock.GetUtcNow();
        // Kinds we do not handle (groups, channel posts, other updates) are acknowledged and dropped.
        if (TelegramUpdates.Parse(await reader.ReadToEndAsync(cancellationToken), now) is { } update
            && await inbox.Record(bot.Id, update, now, cancellationToken))
            grains.GetGrain<IConversationGrain>(ConversationKeys.Of(Channel.Telegram, botId, update.ChatId)).Process().Ignore();
        return TypedResults.Ok();
    }

    private static bool SameSecret(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
