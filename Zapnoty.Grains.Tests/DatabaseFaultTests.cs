using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>Fails as a grain does when PostgreSQL refuses it.</summary>
[Alias("Zapnoty.Tests.IDatabaseFaultGrain")]
public interface IDatabaseFaultGrain : IGrainWithGuidKey
{
    [Alias("Fail")] Task Fail();
}

public sealed class DatabaseFaultGrain : Grain, IDatabaseFaultGrain
{
    public Task Fail() => throw new PostgresException("sorry, too many clients already", "FATAL", "FATAL", PostgresErrorCodes.TooManyConnections);
}

/// <summary>
/// A database fault inside a grain reaches the caller (and the API's error log) as what it was,
/// not as "Could not find a codec for type Npgsql.PostgresException", which hid the cause.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DatabaseFaultTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_database_fault_in_a_grain_reaches_the_caller_with_its_sql_state_on_this_silo_and_across_silos()
    {
        var silos = cluster.Cluster.Silos.Cast<InProcessSiloHandle>().ToList();
        var caller = silos[0].SiloHost.Services.GetRequiredService<IGrainFactory>();
        foreach (var host in silos)
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, host.SiloAddress);
            var grain = caller.GetGrain<IDatabaseFaultGrain>(Guid.NewGuid());
            var fault = await Assert.ThrowsAnyAsync<Exception>(grain.Fail);
            RequestContext.Clear();
            Assert.Contains("53300", fault.ToString());
            Assert.Contains("too many clients", fault.Message);
        }
    }
}
