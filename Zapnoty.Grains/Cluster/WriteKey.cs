namespace Zapnoty.Grains.Cluster;

/// <summary>
/// The idempotency key of one write (a ticket creation, an agent reply, a customer reply): the
/// client's <c>Idempotency-Key</c>, or one the API made up for a request without. The grain
/// stores it with the write, in the same transaction, unique per project; a second call with
/// the same key answers the stored result instead of writing again.
/// </summary>
/// <param name="Key">Opaque, unique per project.</param>
/// <param name="Fingerprint">What the request asked for (hash of method, path and body): a
/// repeat asking for something else is refused. Empty for a key the API made up.</param>
/// <param name="Request">The HTTP request that carries the key: the same for the API's own
/// retries of a call, different for a client's repeat.</param>
/// <param name="FromClient">The client sent the key (kept 24 h), or the API made it up (kept only
/// as long as its retries need).</param>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Cluster.WriteKey")]
public sealed record WriteKey(
    [property: Id(0)] string Key,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] Guid Request,
    [property: Id(3)] bool FromClient)
{
    /// <summary>How long a key the client sent protects its write (the draft's advice: a day).</summary>
    public static readonly TimeSpan ClientKeyLifetime = TimeSpan.FromHours(24);

    /// <summary>How long a key the API made up is kept: far longer than any retry of its call.</summary>
    public static readonly TimeSpan GeneratedKeyLifetime = TimeSpan.FromMinutes(10);

    public TimeSpan Lifetime => FromClient ? ClientKeyLifetime : GeneratedKeyLifetime;

    /// <summary>A key for a request that came without one.</summary>
    public static WriteKey Generated()
    {
        var request = Guid.NewGuid();
        return new WriteKey("generated:" + request.ToString("N"), "", request, FromClient: false);
    }
}

/// <summary>A grain command that may carry a <see cref="WriteKey"/>.</summary>
public interface IKeyedWrite
{
    WriteKey? Key { get; }
}

/// <summary>
/// Marks a grain method whose command is an <see cref="IKeyedWrite"/> and whose grain dedupes by
/// the key: a call that carries a key is idempotent, so <see cref="GrainCallRetry"/> may run it
/// again after a failure that leaves unknown whether it ran (its silo left or died mid-call). A
/// call without a key is not, and is retried only when Orleans says it never ran.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class IdempotentWhenKeyedAttribute : Attribute;
