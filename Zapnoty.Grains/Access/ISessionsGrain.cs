namespace Zapnoty.Grains.Access;

/// <summary>One per person (keyed by user id): their sessions, to review and end.</summary>
public interface ISessionsGrain : IGrainWithGuidKey
{
    /// <summary>The live sessions, most recently used first, at most <see cref="SessionsGrain.MaxListed"/>.</summary>
    Task<IReadOnlyList<SessionView>> List();

    /// <summary>Ends one of the person's sessions; NotFound when they have no such live session.</summary>
    Task Revoke(Guid sessionId);

    /// <summary>Ends every session of the person, the one making the call included. Returns how many.</summary>
    Task<int> RevokeAll();
}
