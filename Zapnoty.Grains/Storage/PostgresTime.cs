namespace Zapnoty.Grains.Storage;

public static class PostgresTime
{
    /// <summary>
    /// The current time at the precision <c>timestamptz</c> stores (microseconds), so what a
    /// grain answers from memory equals what a later read from the database answers.
    /// </summary>
    public static DateTimeOffset StoredNow(this TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }
}
