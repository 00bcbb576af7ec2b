namespace Zapnoty.Grains.Cluster;

/// <summary>
/// A grain method started and then failed because a call it made could not reach another
/// silo. Unlike a rejection of the call itself, the method ran (and may have written), so
/// <see cref="GrainCallRetry"/> never repeats it; the API still answers 503.
/// </summary>
[GenerateSerializer, Alias("Zapnoty.Grains.Cluster.InterruptedCallException")]
public sealed class InterruptedCallException : OrleansException
{
    public InterruptedCallException() { }

    public InterruptedCallException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Around every grain method this silo runs: a rejection escaping the method came from a call
/// the method made, not from the call that reached it, which did run. It leaves as an
/// <see cref="InterruptedCallException"/>, so the caller's <see cref="GrainCallRetry"/> cannot
/// mistake it for "not delivered" and run the method twice.
/// </summary>
public sealed class InterruptedCallMarking : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (OrleansMessageRejectionException e)
        {
            throw new InterruptedCallException($"{context.InterfaceName}.{context.MethodName} ran, then a call it made could not reach its silo.", e);
        }
    }
}
