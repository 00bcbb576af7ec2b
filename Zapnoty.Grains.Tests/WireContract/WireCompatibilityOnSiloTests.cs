using Orleans.TestingHost;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Tests.WireContract;

/// <summary>A running silo, configured as in production, names everything on the wire as the previous release does.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WireCompatibilityOnSiloTests(ClusterFixture cluster)
{
    [Fact]
    public void A_running_silo_names_every_interface_type_and_call_exactly_as_the_previous_release()
    {
        var silo = cluster.Cluster.Silos.OfType<InProcessSiloHandle>().First().SiloHost.Services;
        var written = WireIdentities.Of(typeof(ITicketGrain).Assembly, silo);
        var previous = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "WireContract", "previous-release.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.Equal(previous, previous.Select(line => line.Split(" = ", 2)[0]).Select(item => $"{item} = {written.GetValueOrDefault(item)}"));
        // Only the aliases the previous release had are written by alias (PreviousReleaseWire withholds the rest).
        Assert.Equal(previous.Where(l => l.StartsWith("alias ", StringComparison.Ordinal)), written.Where(w => w.Key.StartsWith("alias ", StringComparison.Ordinal)).Select(w => $"{w.Key} = {w.Value}"));
    }
}
