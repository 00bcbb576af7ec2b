using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains;
using Zapnoty.Grains.BotLanguages;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Channels.Max;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Channels;

public sealed record ConnectTelegramRequest(string? BotToken);

public sealed record ConnectMaxRequest(string? AccessToken);

/// <summary>A connected bot. Its token is never shown again.</summary>
public sealed record BotDto(Channel Channel, string BotId, string Username, string DeepLink, DateTime ConnectedAt);

public static class ChannelsApi
{
    public static IEndpointRouteBuilder MapChannelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/channels").WithTags("Channels").WithProjectAccess();
        api.MapGet("/", List);
        api.MapPut("/telegram", ConnectTelegram).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict);
        api.MapPut("/max", ConnectMax).RequireRole(ProjectRole.Admin).ProducesProblems(StatusCodes.Status409Conflict);
        foreach (var channel in new[] { Channel.Telegram, Channel.Max })
            api.MapDelete($"/{channel.Wire()}", (Guid projectId, Caller caller, IGrainFactory grains, BotStore bots, CancellationToken cancellationToken) =>
                Disconnect(projectId, channel, caller, grains, bots, cancellationToken)).RequireRole(ProjectRole.Admin);
        api.MapGet("/texts", Texts);
        api.MapPatch("/texts", ChangeTexts).RequireRole(ProjectRole.Admin);
        return app;
    }

    /// <summary>The project's connected bots with their deep links (<c>help_&lt;slug&gt;</c>).</summary>
    private static async Task<Ok<Page<BotDto>>> List(Guid projectId, IGrainFactory grains, BotStore bots, MessengerClients clients,
        CancellationToken cancellationToken)
    {
        var project = await grains.GetGrain<IProjectGrain>(projectId).Get();
        var connected = new List<BotDto>();
        foreach (var channel in new[] { Channel.Telegram, Channel.Max })
            if (await bots.FindLiveOfProject(projectId, channel, cancellationToken) is { } bot)
                connected.Add(Dto(bot, project, clients));
        return TypedResults.Ok(new Page<BotDto>(connected, null));
    }

    /// <summary>
    /// Connects a Telegram bot (token from @BotFather): checks it with getMe, points its
    /// webhook at this server and answers the deep link customers open.
    /// </summary>
    private static Task<Ok<BotDto>> ConnectTelegram(Guid projectId, ConnectTelegramRequest body, Caller caller, IGrainFactory grains,
        MessengerClients clients, CancellationToken cancellationToken) =>
        Connect(projectId, Channel.Telegram, new TokenField("bot_token", body.BotToken, 200), caller, grains, clients, cancellationToken);

    /// <summary>
    /// Connects a Max bot (its access token from business.max.ru): checks it with GET /me,
    /// subscribes this server to its updates and answers the deep link customers open.
    /// </summary>
    private static Task<Ok<BotDto>> ConnectMax(Guid projectId, ConnectMaxRequest body, Caller caller, IGrainFactory grains,
        MessengerClients clients, CancellationToken cancellationToken) =>
        Connect(projectId, Channel.Max, new TokenField("access_token", body.AccessToken, MaxAccessToken.MaxLength), caller, grains, clients,
            cancellationToken);

    /// <summary>The token as the request gave it, and the field it came in (each messenger names its own).</summary>
    private sealed record TokenField(string Name, string? Value, int MaxLength);

    private static async Task<Ok<BotDto>> Connect(Guid projectId, Channel channel, TokenField token, Caller caller, IGrainFactory grains,
        MessengerClients clients, CancellationToken cancellationToken)
    {
        new Validation().Required(token.Value, token.Name).MaxLength(token.Value, token.MaxLength, token.Name).ThrowIfAny();
        var value = token.Value!.Trim();
        var identity = await clients.For(channel).Identify(value, cancellationToken);
        var bot = await grains.GetGrain<IBotGrain>(BotKeys.Of(channel, identity.BotId)).Connect(projectId, caller.Actor, value, identity.Username);
        return TypedResults.Ok(Dto(bot, await grains.GetGrain<IProjectGrain>(projectId).Get(), clients));
    }

    /// <summary>Unregisters the bot's webhook; its updates are no longer routed to the project.</summary>
    private static async Task<NoContent> Disconnect(Guid projectId, Channel channel, Caller caller, IGrainFactory grains, BotStore bots,
        CancellationToken cancellationToken)
    {
        var bot = await bots.FindLiveOfProject(projectId, channel, cancellationToken)
            ?? throw DomainException.NotFound($"The project has no {channel.ToString().ToLowerInvariant()} bot connected.");
        await grains.GetGrain<IBotGrain>(BotKeys.Of(channel, bot.ExternalId)).Disconnect(projectId, caller.Actor);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// What the project's bots say in its default language (per language: <c>GET .../channels/texts/{lang}</c>).
    /// <c>{project}</c>, <c>{number}</c> and <c>{status}</c> are filled in.
    /// </summary>
    private static async Task<Ok<IReadOnlyDictionary<string, string>>> Texts(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(TextsDto(await grains.GetGrain<IBotTextsGrain>(projectId).Get()));

    /// <summary>Changes bot texts of the default language by key; <c>null</c> returns a text to its default.</summary>
    private static async Task<Ok<IReadOnlyDictionary<string, string>>> ChangeTexts(Guid projectId, Dictionary<string, string?> body, Caller caller,
        IGrainFactory grains)
    {
        if (body.Count == 0) new Validation().Add("texts", $"Give at least one of: {string.Join(", ", BotTextCatalog.Keys)}.").ThrowIfAny();
        var texts = grains.GetGrain<IBotTextsGrain>(projectId);
        return TypedResults.Ok(TextsDto(await texts.ChangeTexts(caller.Actor, (await texts.Get()).DefaultLanguage, body)));
    }

    private static IReadOnlyDictionary<string, string> TextsDto(BotTextBook book) =>
        BotTextCatalog.Keys.ToDictionary(key => key, key => book.Text(book.DefaultLanguage, key));

    private static BotDto Dto(BotView bot, ProjectView project, MessengerClients clients) =>
        new(bot.Channel, bot.ExternalId, bot.Username, clients.For(bot.Channel).DeepLink(bot.Username, "help_" + project.Slug), bot.ConnectedAt.UtcDateTime);
}
