using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Metadata;

namespace Zapnoty.Grains.Cluster;

/// <summary>
/// Which silos dedupe write keys, as the cluster manifest tells. Every silo of this release
/// marks the grain interfaces with <see cref="IdempotentWhenKeyedAttribute"/> methods in its
/// manifest; a silo of a release before idempotency keys (migration 0016) runs a keyed write
/// without storing its key, so a call that may have run there must not be sent again: the
/// second run would write a second ticket or reply.
/// </summary>
public sealed class KeyDedupeManifest : IGrainInterfacePropertiesProvider
{
    /// <summary>The interface property; its presence is the promise, its value says since when.</summary>
    public const string Property = "zapnoty.dedupes-write-keys";

    public void Populate(Type interfaceType, GrainInterfaceType interfaceId, Dictionary<string, string> properties)
    {
        if (interfaceType.GetInterfaces().Prepend(interfaceType).SelectMany(i => i.GetMethods())
            .Any(m => m.IsDefined(typeof(IdempotentWhenKeyedAttribute), inherit: true)))
            properties[Property] = "0016";
    }

    /// <summary>Whether every silo in <paramref name="manifest"/> dedupes the keyed writes of <paramref name="interfaceType"/>.</summary>
    public static bool EverySiloDedupes(ClusterManifest manifest, GrainInterfaceType interfaceType) =>
        manifest.Silos.Values.All(silo =>
            silo.Interfaces.TryGetValue(interfaceType, out var properties) && properties.Properties.ContainsKey(Property));
}

/// <summary>
/// Watches the cluster manifest for silos that do not dedupe write keys (<see cref="KeyDedupeManifest"/>)
/// and remembers when one was last in it. A silo leaves the manifest when the cluster declares it
/// dead, which is also when the calls it was running fail: the failure can arrive after the
/// manifest forgot the silo, so <see cref="GrainCallRetry"/> refuses keyed retries for
/// <see cref="GrainCallRetryOptions.OlderSiloMemory"/> after the last sighting, not only while one is in the manifest.
/// </summary>
public sealed class OlderSilosWatch(IClusterManifestProvider manifests, TimeProvider clock, IOptions<GrainCallRetryOptions> options) : BackgroundService
{
    /// <summary>When a silo that does not dedupe was last in the manifest (UTC ticks); 0: never.</summary>
    private long _lastSeenTicks;

    /// <summary>The interfaces this release dedupes the keyed writes of: what a newer manifest is checked for.</summary>
    private readonly GrainInterfaceType[] _keyed = manifests.LocalGrainManifest.Interfaces
        .Where(i => i.Value.Properties.ContainsKey(KeyDedupeManifest.Property)).Select(i => i.Key).ToArray();

    /// <summary>Whether every silo dedupes the keyed writes of <paramref name="interfaceType"/> now and did for the memory's span.</summary>
    public bool KeyedRetryIsSafe(GrainInterfaceType interfaceType)
    {
        if (!KeyDedupeManifest.EverySiloDedupes(manifests.Current, interfaceType))
        {
            SawOne();
            return false;
        }
        var lastSeen = Interlocked.Read(ref _lastSeenTicks);
        return lastSeen == 0 || clock.GetUtcNow().UtcTicks - lastSeen > options.Value.OlderSiloMemory.Ticks;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var manifest in manifests.Updates.WithCancellation(stoppingToken)) Saw(manifest);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    private void Saw(ClusterManifest manifest)
    {
        if (_keyed.Any(type => !KeyDedupeManifest.EverySiloDedupes(manifest, type))) SawOne();
    }

    private void SawOne() => Interlocked.Exchange(ref _lastSeenTicks, clock.GetUtcNow().UtcTicks);
}
