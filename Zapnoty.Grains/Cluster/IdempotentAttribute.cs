namespace Zapnoty.Grains.Cluster;

/// <summary>
/// Marks a grain interface method whose second run changes nothing the first did not (a read
/// that is not <c>[ReadOnly]</c>, a "set to" rather than an "add"). <see cref="GrainCallRetry"/>
/// may then run it again after a failure that leaves unknown whether it ran, such as its silo
/// dying while the call was in flight. Put it only where a repeat is harmless.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class IdempotentAttribute : Attribute;
