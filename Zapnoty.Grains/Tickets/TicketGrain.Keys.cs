using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Zapnoty.Grains.Cluster;

namespace Zapnoty.Grains.Tickets;

/// <summary>Replies and customer messages with an idempotency key: stored with the message, answered again on a repeat.</summary>
public sealed partial class TicketGrain
{
    /// <summary>Runs <paramref name="write"/> as <see cref="Keyed"/> does, once more on a stale row (<see cref="AgainIfStale{T}"/>).</summary>
    private Task<MessageView> Once(WriteKey? key, Func<Task<MessageView>> write) => AgainIfStale(() => Keyed(key, write));

    /// <summary>
    /// Runs <paramref name="write"/>, whose transaction stores <paramref name="key"/> (see
    /// <see cref="KeyClaim"/>). When the key is already stored, the write is a repeat (a client's,
    /// or the API's retry of a call whose silo left after it ran, maybe in another activation):
    /// it wrote nothing, and answers the message the key's write created. A refusal for lack of
    /// credits is checked the same way (the first run may have spent the last one), and so is a
    /// stale-reply refusal (the first run's own message is the newer one a repeat would see).
    /// </summary>
    private async Task<MessageView> Keyed(WriteKey? key, Func<Task<MessageView>> write)
    {
        if (key is null) return await write();
        try
        {
            return await write();
        }
        catch (Exception e) when (e is PostgresException taken && IdempotencyKeys.IsTaken(taken) || e is DomainException { Kind: DomainErrorKind.PaymentRequired } or DomainException { NewerMessages: not null })
        {
            var ticket = await Current();
            var stored = await ServiceProvider.GetRequiredService<IdempotencyKeys>().Find(ticket.ProjectId, key.Key, clock.GetUtcNow(), CancellationToken.None);
            if (stored is null) throw;
            IdempotencyKeys.RequireSameRequest(stored, key);
            // The write may have been committed by another activation (the one on the silo that left).
            await Reload(CancellationToken.None);
            return _messages.Find(m => m.Id == stored.MessageId)
                ?? await store.Message(ticket.Id, stored.MessageId, null, CancellationToken.None)
                ?? throw DomainException.Conflict("The Idempotency-Key was used for a message of another ticket.");
        }
    }

    /// <summary>The statements that store the key with the message, for the message's transaction.</summary>
    private static IEnumerable<NpgsqlBatchCommand> KeyClaim(WriteKey? key, TicketView ticket, Guid messageId, DateTimeOffset now) =>
        key is null ? [] : IdempotencyKeys.Claim(ticket.ProjectId, [(key, ticket.Id, messageId)], now);
}
