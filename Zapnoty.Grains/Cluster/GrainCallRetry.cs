using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Metadata;
using Zapnoty.Grains.Observability;

namespace Zapnoty.Grains.Cluster;

/// <summary>Configuration section <c>Zapnoty:GrainCallRetry</c>.</summary>
public sealed class GrainCallRetryOptions
{
    public const string Section = "Zapnoty:GrainCallRetry";

    /// <summary>
    /// How long after its first attempt a call may still be retried. It must cover the time the
    /// cluster takes to declare a killed silo dead (under a second with our membership settings),
    /// after which the grain is placed on a live silo. Zero turns retries off.
    /// </summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The first pause; each next one doubles, each drawn between half and all of it.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long after a silo that does not dedupe write keys (an older release) was last in the
    /// cluster keyed writes are still not retried (<see cref="OlderSilosWatch"/>): far longer
    /// than a call takes to fail after its silo left.
    /// </summary>
    public TimeSpan OlderSiloMemory { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Retries a grain call this silo makes (from the API or from a grain) when its silo vanished
/// and the call is known not to have run, or running it twice is harmless:
/// <list type="bullet">
/// <item>a rejection (<see cref="OrleansMessageRejectionException"/>, or a
/// <see cref="SiloUnavailableException"/> carried by one): Orleans answers it instead of
/// delivering the message (the silo could not be reached, is known dead, is not the one
/// addressed, or the activation went away before the call started);</item>
/// <item>for <c>[ReadOnly]</c> and <see cref="IdempotentAttribute"/> methods, and for
/// <see cref="IdempotentWhenKeyedAttribute"/> methods called with a <see cref="WriteKey"/>, also
/// any other Orleans failure or a timeout, such as the silo leaving or dying while the call was
/// running.</item>
/// </list>
/// Never an application exception, and never <see cref="InterruptedCallException"/> on a
/// method that is not idempotent: that method ran. Pauses grow from
/// <see cref="GrainCallRetryOptions.FirstDelay"/> with jitter, within
/// <see cref="GrainCallRetryOptions.Budget"/>; each retry is counted on
/// <c>zapnoty.grain_call.retries</c> and logged.
/// </summary>
public sealed partial class GrainCallRetry(IOptions<GrainCallRetryOptions> options, IMeterFactory meters, ILogger<GrainCallRetry> log, IServiceProvider services)
    : IOutgoingGrainCallFilter
{
    /// <summary>
    /// The message of the <see cref="SiloUnavailableException"/> Orleans attaches to rejections
    /// ("target silo is known to be dead", "connection terminated" before the message was sent).
    /// When the callback is broken because the silo died while the call ran, the message says so
    /// at length: a call that may have run is never taken for a rejection, even if Orleans
    /// rewords these (then it is merely not retried).
    /// </summary>
    private const string RejectionMessage = "Silo unavailable";

    private readonly Counter<long> _retries = meters.Create(ZapnotyMetrics.MeterName)
        .CreateCounter<long>("zapnoty.grain_call.retries", "{retry}", "Grain calls sent again after their silo vanished, by reason: rejected (never ran), repeatable (idempotent method), keyed (a write the grain dedupes by its idempotency key).");

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var budget = options.Value.Budget;
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await context.Invoke();
                return;
            }
            catch (Exception e) when (Ours(context) && Reason(e, context.InterfaceMethod, Arguments(context.Request)) is { } reason
                && (reason != "keyed" || KeyedRetryIsSafe(context.InterfaceType)) && Pause(attempt, started, budget) is { } pause)
            {
                _retries.Add(1, new KeyValuePair<string, object?>("reason", reason));
                LogRetry(log, context.InterfaceName, context.MethodName, attempt, pause, reason, e.GetType().Name);
                await Task.Delay(pause);
            }
        }
    }

    /// <summary>
    /// Calls to our grains only: Orleans' own calls (membership probes, directory, reminders) go
    /// through this filter too, and have their own timeouts and retries.
    /// </summary>
    private static bool Ours(IOutgoingGrainCallContext context) =>
        context.InterfaceMethod?.DeclaringType?.Namespace?.StartsWith("Zapnoty.", StringComparison.Ordinal) == true;

    /// <summary>
    /// Why the failed call may be sent again, or null when it may not. <paramref name="arguments"/>
    /// matter only for <see cref="IdempotentWhenKeyedAttribute"/> methods: a call of one is
    /// repeatable when its command carries a <see cref="WriteKey"/>.
    /// </summary>
    public static string? Reason(Exception e, MethodInfo? method, IEnumerable<object?>? arguments = null)
    {
        if (e is SiloUnavailableException { Message: RejectionMessage } || (e is OrleansMessageRejectionException && e.GetType() == typeof(OrleansMessageRejectionException)))
            return "rejected";
        if (e is OrleansException or TimeoutException && method is not null)
            return Repeatable.GetOrAdd(method, RepeatabilityOf) switch
            {
                Repeatability.Always => "repeatable",
                Repeatability.WhenKeyed when arguments?.Any(a => a is IKeyedWrite { Key: not null }) == true => "keyed",
                _ => null,
            };
        return null;
    }

    private enum Repeatability { Never, Always, WhenKeyed }

    private static readonly ConcurrentDictionary<MethodInfo, Repeatability> Repeatable = new();

    private static Repeatability RepeatabilityOf(MethodInfo method) =>
        method.IsDefined(typeof(ReadOnlyAttribute), inherit: true) || method.IsDefined(typeof(IdempotentAttribute), inherit: true) ? Repeatability.Always
        : method.IsDefined(typeof(IdempotentWhenKeyedAttribute), inherit: true) ? Repeatability.WhenKeyed
        : Repeatability.Never;

    /// <summary>
    /// A keyed write may have run on a silo of a release that does not store keys (a rolling
    /// upgrade from before them); then it is not sent again (<see cref="OlderSilosWatch"/>).
    /// Resolved at the first keyed failure: the cluster's manifest provider makes grain calls
    /// itself, so it cannot be a dependency of this filter.
    /// </summary>
    private bool KeyedRetryIsSafe(GrainInterfaceType interfaceType)
    {
        if (services.GetRequiredService<OlderSilosWatch>().KeyedRetryIsSafe(interfaceType)) return true;
        LogNotDeduped(log, interfaceType.ToString());
        return false;
    }

    private static IEnumerable<object?> Arguments(Orleans.Serialization.Invocation.IInvokable request)
    {
        for (var i = 0; i < request.GetArgumentCount(); i++) yield return request.GetArgument(i);
    }

    private TimeSpan? Pause(int attempt, long started, TimeSpan budget)
    {
        var ceiling = options.Value.FirstDelay * Math.Pow(2, Math.Min(attempt - 1, 10));
        var pause = ceiling * (0.5 + Random.Shared.NextDouble() / 2);
        return Stopwatch.GetElapsedTime(started) + pause <= budget ? pause : null;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Not retrying a keyed write to {Interface}: a silo of the cluster does not dedupe write keys (an older release), so the call may have run there")]
    private static partial void LogNotDeduped(ILogger logger, string @interface);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Retrying grain call {Interface}.{Method} (attempt {Attempt} failed) in {Pause}: {Reason}, {Exception}")]
    // Not the exception's message: Orleans puts the target grain's id there, and some keys are credentials.
    private static partial void LogRetry(ILogger logger, string @interface, string method, int attempt, TimeSpan pause, string reason, string exception);
}
