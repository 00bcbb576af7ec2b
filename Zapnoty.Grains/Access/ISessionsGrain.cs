namespace Zapnoty.Grains.Access;

/// <summary>One per person (keyed by user id): their sessions, to review and end.</summary>
[Alias("Zapnoty.Grains.Access.ISessionsGrain")]
public interface ISessionsGrain : IGrainWithGuidKey
{
    /// <summary>The live sessions, most recently used first, at most <see cref="SessionsGrain.MaxListed"/>.</summary>
    [Alias("272EC85E")]
    Task<IReadOnlyList<SessionView>> List();

    /// <summary>Ends one of the person's sessions; NotFound when they have no such live session.</summary>
    [Alias("98944A04")]
    Task Revoke(Guid sessionId);

    /// <summary>Ends every session of the person, the one making the call included. Returns how many.</summary>
    [Alias("A829D16F")]
    Task<int> RevokeAll();
}
