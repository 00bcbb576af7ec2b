namespace Zapnoty.Grains.Tests.Infrastructure;

/// <summary>Waiting for work the cluster does in the background (queues, reminders, sweeps).</summary>
public static class Poll
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"The condition did not hold within {seconds} s.");
            await Task.Delay(50);
        }
    }
}
