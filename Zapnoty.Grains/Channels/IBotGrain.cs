using Orleans.Concurrency;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// One per messenger bot, keyed <c>{channel}:{messenger's bot id}</c> (see <see cref="BotKeys"/>):
/// which project the bot serves, and its token and webhook secret. The webhook route asks it
/// on every update, so it answers from memory.
/// </summary>
[Alias("Zapnoty.Grains.Channels.IBotGrain")]
public interface IBotGrain : IGrainWithStringKey
{
    /// <summary>The live bot, or null when it is connected to no project.</summary>
    [Alias("CD413875")]
    [ReadOnly] Task<BotView?> Live();

    /// <summary>
    /// Points the bot at our webhook route and connects it to the project (replacing the
    /// project's previous bot of this messenger). Connected to another project: Conflict.
    /// </summary>
    [Alias("8825D93C")]
    Task<BotView> Connect(Guid projectId, Actor actor, string token, string username);

    /// <summary>Unregisters the webhook and stops routing the bot's updates. Not this project's bot: NotFound.</summary>
    [Alias("E147D0B7")]
    Task Disconnect(Guid projectId, Actor actor);

    /// <summary>Drops the cached bot after it was replaced elsewhere.</summary>
    [Alias("058F626D")]
    Task Forget();
}

public static class BotKeys
{
    public static string Of(Channel channel, string externalId) => $"{channel.Wire()}:{externalId}";
}

/// <summary>The messenger clients by channel.</summary>
public sealed class MessengerClients(IEnumerable<IMessengerClient> clients, Secrets.SecretProtector secrets)
{
    /// <summary>The bot's token in plaintext, for the messenger call at hand only: never keep it.</summary>
    public string TokenOf(BotView bot) => secrets.Unprotect(Secrets.SecretPurposes.BotToken, bot.ProtectedToken);

    private readonly Dictionary<Channel, IMessengerClient> _byChannel = clients.ToDictionary(c => c.Channel);

    public IMessengerClient For(Channel channel) =>
        _byChannel.TryGetValue(channel, out var client) ? client : throw new InvalidOperationException($"No messenger client for {channel}.");
}

/// <summary>Configuration section <c>Zapnoty</c>: the public address messengers call back.</summary>
public sealed class ChannelOptions
{
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    public string WebhookUrl(Channel channel, string externalBotId) =>
        $"{PublicBaseUrl.TrimEnd('/')}/v1/channels/{channel.Wire()}/{externalBotId}/webhook";
}
