using Npgsql;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

[Alias("Zapnoty.Grains.Tests.IProviderProbeGrain")]
public interface IProviderProbeGrain : IGrainWithStringKey
{
    [Alias("Remember")]
    Task Remember(string value);
    [Alias("Recall")]
    Task<string?> Recall();
    [Alias("Deactivate")]
    Task Deactivate();
    [Alias("ArmReminder")]
    Task ArmReminder(TimeSpan dueTime);
    [Alias("DisarmReminder")]
    Task DisarmReminder();
    [Alias("ReminderTicks")]
    Task<int> ReminderTicks();
}

[GenerateSerializer]
[Alias("Zapnoty.Grains.Tests.ProviderProbeState")]
public sealed class ProviderProbeState
{
    [Id(0)] public string? Value { get; set; }
    [Id(1)] public int Ticks { get; set; }
}

/// <summary>Uses the ADO.NET grain storage and reminders exactly as a product grain would.</summary>
public sealed class ProviderProbeGrain([PersistentState("probe")] IPersistentState<ProviderProbeState> state)
    : Grain, IProviderProbeGrain, IRemindable
{
    public async Task Remember(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<string?> Recall() => Task.FromResult(state.State.Value);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task ArmReminder(TimeSpan dueTime) => this.RegisterOrUpdateReminder("probe", dueTime, TimeSpan.FromMinutes(1));

    public async Task DisarmReminder()
    {
        if (await this.GetReminder("probe") is { } reminder) await this.UnregisterReminder(reminder);
    }

    public Task<int> ReminderTicks() => Task.FromResult(state.State.Ticks);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
    }
}

/// <summary>Clustering, grain storage and reminders really work on our own migrations of the Orleans scripts.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OrleansProviderTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Every_silo_of_the_cluster_is_registered_active_in_the_postgres_membership_table()
    {
        await using var command = cluster.Database.CreateCommand(
            "SELECT port, generation FROM orleansmembershiptable WHERE deploymentid = $1 AND status = 3");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Cluster.Options.ClusterId });
        var active = new HashSet<(int, int)>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) active.Add((reader.GetInt32(0), reader.GetInt32(1)));

        // A silo killed by another test may still be listed until the others vote it dead, hence "contains".
        Assert.True(cluster.Cluster.Silos.Count >= 2);
        Assert.All(cluster.Cluster.Silos, silo => Assert.Contains((silo.SiloAddress.Endpoint.Port, silo.SiloAddress.Generation), active));
    }

    [Fact]
    public async Task Grain_state_survives_deactivation_through_postgres()
    {
        var key = Guid.NewGuid().ToString();
        var grain = cluster.Grains.GetGrain<IProviderProbeGrain>(key);
        await grain.Remember("kept");
        await grain.Deactivate();
        await Task.Delay(200);

        Assert.Equal("kept", await cluster.Grains.GetGrain<IProviderProbeGrain>(key).Recall());
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM orleansstorage WHERE grainidextensionstring = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_reminder_is_stored_in_postgres_fires_and_can_be_removed()
    {
        var key = Guid.NewGuid().ToString();
        var grain = cluster.Grains.GetGrain<IProviderProbeGrain>(key);
        await grain.ArmReminder(TimeSpan.FromSeconds(1));
        Assert.Equal(1L, await ReminderRows(key));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await grain.ReminderTicks() == 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(await grain.ReminderTicks() >= 1, "The reminder did not fire within 30 seconds");

        await grain.DisarmReminder();
        Assert.Equal(0L, await ReminderRows(key));
    }

    private async Task<long> ReminderRows(string key)
    {
        await using var command = cluster.Database.CreateCommand("SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%' || $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
