using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Observability;
using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

public sealed class BotGrain(BotStore store, MessengerClients clients, SecretProtector secrets, IOptions<ChannelOptions> options,
    IOptions<ChannelSendOptions> sendOptions, ZapnotyMetrics metrics, TimeProvider clock, ILogger<BotGrain> log) : Grain, IBotGrain
{
    private BotView? _bot;
    private IGrainTimer? _forgetUnknown;

    private Channel Channel => WireNames.ParseWire<Channel>(this.GetPrimaryKeyString().Split(':', 2)[0]);
    private string ExternalId => this.GetPrimaryKeyString().Split(':', 2)[1];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _bot = await store.FindLive(Channel, ExternalId, cancellationToken);
        metrics.BotLookup(_bot is not null);
        if (_bot is null) ForgetSoon();
    }

    /// <summary>
    /// Anyone can post to any bot id's webhook route. The activation of an id no project has
    /// remembers that for a short while, so repeated posts cost no query, then goes, rather than
    /// living out the idle timeout: made-up ids cannot pile up activations. Connecting the bot
    /// goes through this same activation, so the memory is never stale.
    /// </summary>
    private void ForgetSoon()
    {
        _forgetUnknown?.Dispose();
        _forgetUnknown = this.RegisterGrainTimer(_ =>
        {
            if (_bot is null) DeactivateOnIdle();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions { DueTime = sendOptions.Value.UnknownBotMemory, Period = Timeout.InfiniteTimeSpan, KeepAlive = false });
    }

    public Task<BotView?> Live() => Task.FromResult(_bot);

    public async Task<BotView> Connect(Guid projectId, Actor actor, string token, string username)
    {
        if (_bot is { } live && live.ProjectId != projectId)
            throw DomainException.Conflict("This bot is already connected to another project; disconnect it there first.", "bot_token");

        var previous = await store.FindLiveOfProject(projectId, Channel, CancellationToken.None);
        var now = clock.StoredNow();
        // The messenger gets the webhook secret once, here; we keep its hash and the token encrypted.
        var secret = NewSecret();
        var bot = new BotView(Guid.NewGuid(), projectId, Channel, ExternalId, username, secrets.Protect(SecretPurposes.BotToken, token), SecretHash.Of(secret), now);
        var client = clients.For(Channel);
        await client.Subscribe(token, options.Value.WebhookUrl(Channel, ExternalId), secret, CancellationToken.None);
        if (!await store.Connect(bot, new AuditEntry(now, actor, AuditActions.BotConnected, bot.Id.ToString(),
                new { channel = Channel.Wire(), bot_id = ExternalId, username }), CancellationToken.None))
            throw DomainException.Conflict("This bot was just connected to another project.", "bot_token");
        _bot = bot;
        log.LogInformation("{Channel} bot @{Username} ({BotId}) connected to project {ProjectId}", Channel, username, ExternalId, projectId);

        if (previous is not null && previous.ExternalId != ExternalId)
        {
            // The project's former bot stops sending us its updates.
            await Unsubscribe(previous);
            await GrainFactory.GetGrain<IBotGrain>(BotKeys.Of(Channel, previous.ExternalId)).Forget();
        }
        return bot;
    }

    public async Task Disconnect(Guid projectId, Actor actor)
    {
        if (_bot is not { } bot || bot.ProjectId != projectId)
            throw DomainException.NotFound($"The project has no {Channel.Wire()} bot connected.");
        await Unsubscribe(bot);
        await store.Disconnect(bot, new AuditEntry(clock.StoredNow(), actor, AuditActions.BotDisconnected, bot.Id.ToString(),
            new { channel = Channel.Wire(), bot_id = ExternalId, username = bot.Username }), CancellationToken.None);
        _bot = null;
        ForgetSoon();
    }

    public Task Forget()
    {
        _bot = null;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Best effort: a revoked token cannot unsubscribe, and the updates it might still send are refused anyway.</summary>
    private async Task Unsubscribe(BotView bot)
    {
        try
        {
            await clients.For(bot.Channel).Unsubscribe(clients.TokenOf(bot), options.Value.WebhookUrl(bot.Channel, bot.ExternalId), CancellationToken.None);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Could not unsubscribe {Channel} bot {BotId}", bot.Channel, bot.ExternalId);
        }
    }

    /// <summary>Telegram allows 1–256 of A-Z a-z 0-9 _ -; 32 bytes of base64url fit both messengers.</summary>
    private static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
