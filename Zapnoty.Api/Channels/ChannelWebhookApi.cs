using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Problems;
using Zapnoty.Api.RateLimiting;
using Zapnoty.Grains;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Max;
using Zapnoty.Grains.Channels.Telegram;
using Zapnoty.Grains.Conversations;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Channels;

/// <summary>
/// What a messenger's webhook differs in: the header that carries our secret, and how its
/// bodies read. Everything else is <see cref="ChannelWebhookApi"/>'s one accept step.
/// </summary>
public sealed record MessengerWebhook(Channel Channel, string SecretHeader, Func<string, DateTimeOffset, IncomingUpdate?> Parse)
{
    public static readonly MessengerWebhook Telegram = new(Channel.Telegram, "X-Telegram-Bot-Api-Secret-Token", TelegramUpdates.Parse);
    public static readonly MessengerWebhook Max = new(Channel.Max, "X-Max-Bot-Api-Secret", MaxUpdates.Parse);

    public string Route => $"/v1/channels/{Channel.Wire()}/{{botId}}/webhook";
}

/// <summary>
/// Where the messengers post a connected bot's updates (<c>POST /v1/channels/{channel}/{botId}/webhook</c>).
/// The route only checks, records and hands over: the update lands in the inbox with those of
/// concurrent requests in one commit (<see cref="UpdateIntake"/>; a redelivery is recognised by
/// its key), the messenger gets its 200 once it is durable, and the chat's conversation grain
/// applies it right after.
/// </summary>
public static class ChannelWebhookApi
{
    /// <summary>
    /// A messenger's update may carry a long message with a quoted reply and its entities: far
    /// over the API's 64 KB. Refusing it would make the messenger re-send it for hours and hold
    /// up the bot's later updates, so these routes take up to 1 MB.
    /// </summary>
    public const long MaxUpdateBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapChannelWebhooks(this IEndpointRouteBuilder app)
    {
        foreach (var webhook in new[] { MessengerWebhook.Telegram, MessengerWebhook.Max })
            app.MapPost(webhook.Route, (string botId, HttpRequest request, IGrainFactory grains, UpdateIntake intake, TimeProvider clock,
                    CancellationToken cancellationToken) => Accept(webhook, botId, request, grains, intake, clock, cancellationToken))
                .WithTags("Channels").WithSummary($"Called by {webhook.Channel}: one update of a connected bot.").AllowAnonymous()
                .WithMetadata(new RequestSizeLimitAttribute(MaxUpdateBytes), BotWebhookRateLimit.Instance)
                .ProducesProblems(StatusCodes.Status401Unauthorized);
        return app;
    }

    /// <summary>
    /// Wrong or missing secret, or a bot no project has: 401, nothing read or recorded. An id that
    /// is no messenger's bot id (digits) is refused before any grain is asked. Kinds we
    /// do not handle (groups, channels, other updates) and unreadable bodies are acknowledged and
    /// dropped, or the messenger would re-send them for hours.
    /// </summary>
    private static async Task<Results<Ok, ProblemHttpResult>> Accept(MessengerWebhook webhook, string botId, HttpRequest request, IGrainFactory grains,
        UpdateIntake intake, TimeProvider clock, CancellationToken cancellationToken)
    {
        var bot = RatePartition.IsBotId(botId) ? await grains.GetGrain<IBotGrain>(BotKeys.Of(webhook.Channel, botId)).Live() : null;
        if (bot is null || !bot.AcceptsWebhookSecret(request.Headers[webhook.SecretHeader].ToString()))
            return TypedResults.Problem(statusCode: 401, title: Titles.For(401), detail: "Unknown bot or wrong secret.");

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var now = clock.GetUtcNow();
        if (webhook.Parse(await reader.ReadToEndAsync(cancellationToken), now) is { } update)
            await intake.Record(new ArrivingUpdate(bot, update, now));
        return TypedResults.Ok();
    }
}
