using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Grains.Profiles;

public sealed class ProfileGrain(ProfileStore store, ILogger<ProfileGrain> log) : Grain, IProfileGrain
{
    private UserView? _user;

    private Guid UserId => this.GetPrimaryKey();

    public async Task<UserView> Get() =>
        _user ??= await store.Find(UserId, CancellationToken.None) ?? throw DomainException.NotFound($"User {UserId} does not exist.");

    public async Task<UserView> Rename(string? name)
    {
        var valid = DisplayName.Valid(name);
        var user = await Get();
        // The same name again writes nothing but still tells the projects: a retry after a
        // failure half-way through the notifications is how their copies catch up.
        if (user.Name != valid)
        {
            await store.Rename(UserId, valid, CancellationToken.None);
            _user = user with { Name = valid };
        }

        // Awaited, not one-way: when the answer arrives, every project grain (on whichever
        // silo) already shows the new name, so the next ticket list or team list has it.
        var projects = await store.ProjectsOf(UserId, CancellationToken.None);
        await Task.WhenAll(projects.Select(p => GrainFactory.GetGrain<IProjectGrain>(p).MemberRenamed(UserId, valid)));
        log.LogInformation("User {UserId} renamed; {Projects} projects told", UserId, projects.Count);
        return _user!;
    }
}
