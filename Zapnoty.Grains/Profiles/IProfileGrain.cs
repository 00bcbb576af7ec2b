using Orleans.Concurrency;
using Zapnoty.Grains.Access;

namespace Zapnoty.Grains.Profiles;

/// <summary>
/// A person's own profile (keyed by user id): the single writer of their display name. A rename
/// is stored, then every project they are or were a member of is told, so the copies project
/// grains keep for the team list and ticket assignees show the new name on the next read.
/// </summary>
[Alias("Zapnoty.Grains.Profiles.IProfileGrain")]
public interface IProfileGrain : IGrainWithGuidKey
{
    /// <summary>The person; NotFound when there is no such account.</summary>
    [Alias("47DBE6F3")]
    [ReadOnly] Task<UserView> Get();

    /// <summary>Sets the display name (trimmed, 1–80 characters, no control characters); Invalid (<c>name</c>) otherwise.</summary>
    [Alias("C302F065")]
    Task<UserView> Rename(string? name);
}
