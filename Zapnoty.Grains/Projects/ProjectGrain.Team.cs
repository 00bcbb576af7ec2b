using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.Email;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;

namespace Zapnoty.Grains.Projects;

/// <summary>The team: members by email, roles, leaving, and ownership transfer with an emailed code.</summary>
public sealed partial class ProjectGrain
{
    public Task<IReadOnlyList<MemberView>> ListMembers(bool includeRemoved) =>
        Task.FromResult<IReadOnlyList<MemberView>>(State.Members.Where(m => includeRemoved || m.Active).ToList());

    public async Task<MemberView> AddMember(Actor actor, string email, ProjectRole role)
    {
        var state = State;
        TeamRules.RequireMayGrant(RoleOfActor(state, actor), TeamRules.Grantable(role));
        if (state.Members.Any(m => m.Active && m.Email == email))
            throw DomainException.Conflict($"{email} is already a member of this project.", "email");
        if (state.Members.Count(m => m.Active) >= TeamLimits.MaxMembers)
            throw DomainException.Conflict($"A project can have at most {TeamLimits.MaxMembers} members.");

        var now = clock.StoredNow();
        await RequireInvitationAllowed(state, actor, now);
        var member = new MemberView(Guid.NewGuid(), null, email, role, now, null);
        var userId = await team.AddMember(ProjectId, member,
            new AuditEntry(now, actor, AuditActions.MemberAdded, member.Id.ToString(), new { email, role = role.Wire() }),
            CancellationToken.None);
        member = member with { UserId = userId, Name = userId is { } id ? await team.NameOf(id, CancellationToken.None) : null };
        state.Members.Add(member);

        // Subjects carry no text of the project's: whoever creates a project chooses its name.
        await Notify(member.UserId is null
            ? new EmailMessage(email, EmailTemplates.Invitation, "You are invited to a support team on Zapnoty Helpdesk",
                $"You were invited to the support team of the project \"{state.Project.Name}\" as {role.Wire()}.\n" +
                $"Log in to Zapnoty Helpdesk with this address ({email}) to join; no password needed, we email you a code.")
            : new EmailMessage(email, EmailTemplates.MemberAdded, "You were added to a support team on Zapnoty Helpdesk",
                $"You are now a member of the project \"{state.Project.Name}\" on Zapnoty Helpdesk as {role.Wire()}."));
        return member;
    }

    public async Task<MemberView> ChangeMemberRole(Actor actor, Guid memberId, ProjectRole role)
    {
        var state = State;
        var target = ActiveMember(state, memberId);
        var actorRole = RoleOfActor(state, actor);
        TeamRules.RequireMayManage(actorRole, target);
        TeamRules.RequireMayGrant(actorRole, TeamRules.Grantable(role));
        if (target.Role == role) return target;

        // A demoted member's keys with scopes above the new role are revoked in the same transaction.
        var revoked = await store.ChangeMemberRole(ProjectId, target, role, new AuditEntry(clock.StoredNow(), actor, AuditActions.MemberRoleChanged,
            memberId.ToString(), new { email = target.Email, from = target.Role.Wire(), to = role.Wire() }), CancellationToken.None);
        var changed = Replace(state, target with { Role = role });
        await ForgetKeys(revoked);
        return changed;
    }

    public async Task RemoveMember(Actor actor, Guid memberId)
    {
        var state = State;
        var target = ActiveMember(state, memberId);
        TeamRules.RequireMayManage(RoleOfActor(state, actor), target);

        var now = clock.StoredNow();
        await RemoveRevokingKeys(target, new AuditEntry(now, actor, AuditActions.MemberRemoved, memberId.ToString(),
            new { email = target.Email, role = target.Role.Wire() }));
    }

    public async Task Leave(Guid userId)
    {
        var state = State;
        var me = MemberOf(state, userId, email: null) ?? throw DomainException.NotFound($"Project {ProjectId} does not exist.");
        if (me.Role == ProjectRole.Owner)
            throw DomainException.Conflict("The owner cannot leave: hand the project over with an ownership transfer first.");

        var now = clock.StoredNow();
        await RemoveRevokingKeys(me, new AuditEntry(now, Actor.User(userId), AuditActions.MemberLeft, me.Id.ToString(),
            new { email = me.Email, role = me.Role.Wire() }));
    }

    /// <summary>Ends the membership and revokes the keys the member created here, in one transaction.</summary>
    private async Task RemoveRevokingKeys(MemberView member, AuditEntry audit)
    {
        var revoked = await store.RemoveMember(ProjectId, member, audit, CancellationToken.None);
        Replace(State, member with { RemovedAt = audit.At });
        await ForgetKeys(revoked);
    }

    public Task MemberJoined(Guid userId, string email)
    {
        if (_state?.Members.FirstOrDefault(m => m.Active && m.UserId is null && m.Email == email) is { } invited)
            Replace(_state, invited with { UserId = userId });
        return Task.CompletedTask;
    }

    public Task MemberRenamed(Guid userId, string name)
    {
        // An activation made by this call has just read the new name; a project that never existed has nothing to rename.
        if (_state is null) return Task.CompletedTask;
        foreach (var member in _state.Members.Where(m => m.UserId == userId).ToList())
            Replace(_state, member with { Name = name });
        return Task.CompletedTask;
    }

    public async Task<OwnershipTransferView> RequestOwnershipTransfer(Guid ownerUserId, Guid toMemberId)
    {
        var state = State;
        var owner = RequireOwner(state, ownerUserId);
        var target = state.Members.FirstOrDefault(m => m.Id == toMemberId && m.Active)
            ?? throw DomainException.Invalid("to_member_id", $"Member {toMemberId} is not a member of this project.");
        if (target.Id == owner.Id)
            throw DomainException.Invalid("to_member_id", "You already own this project.");
        if (target.UserId is null)
            throw DomainException.Invalid("to_member_id", $"{target.Email} has not logged in yet; the project can only go to someone who has.");

        var now = clock.StoredNow();
        if (await team.FindTransfer(ProjectId, CancellationToken.None) is { } earlier)
        {
            RequireTransferCodesLeft(earlier, now);
            if (earlier.RequestsSince is { } since && since + TransferLimits.RequestWindow > now && earlier.Requests >= TransferLimits.RequestsPerWindow)
                throw TooMany("Too many ownership transfer codes requested for this project; try again in {0}. The last code still works until it expires.",
                    since + TransferLimits.RequestWindow - now);
        }

        var code = OneTimeCode.New();
        var expiresAt = now + TeamLimits.TransferCodeLifetime;
        await team.SaveTransfer(ProjectId, target.Id, ownerUserId, OneTimeCode.Hash(TransferScope, code), now, expiresAt, TransferLimits.RequestWindow,
            new AuditEntry(now, Actor.User(ownerUserId), AuditActions.OwnershipTransferRequested, target.Id.ToString(), new { to = target.Email }),
            CancellationToken.None);

        // The code proves the owner holds their mailbox, not just a session; it must arrive.
        await email.Send(new EmailMessage(owner.Email, EmailTemplates.OwnershipTransferCode, "Confirm an ownership transfer on Zapnoty Helpdesk",
            $"Your ownership transfer code is {code}.\n" +
            $"It hands the project \"{state.Project.Name}\" over to {target.Email} and expires in " +
            $"{TeamLimits.TransferCodeLifetime.TotalMinutes:0} minutes. You will stay in the project as admin.\n" +
            "If you did not ask for this, ignore this email and nothing changes."), CancellationToken.None);
        return new OwnershipTransferView(target.Id, expiresAt);
    }

    public async Task<MemberView> ConfirmOwnershipTransfer(Guid ownerUserId, string code)
    {
        var state = State;
        var owner = RequireOwner(state, ownerUserId);
        var now = clock.StoredNow();
        var pending = await team.FindTransfer(ProjectId, CancellationToken.None);
        if (pending is not null) RequireTransferCodesLeft(pending, now);
        if (pending is null || pending.UsedAt is not null || pending.ExpiresAt <= now)
            throw DomainException.Gone("There is no pending ownership transfer: it was used, expired or never requested. Request a new code.");

        if (!OneTimeCode.Matches(pending.CodeHash, TransferScope, code))
        {
            var burned = await team.CountWrongCode(ProjectId, TeamLimits.TransferCodeAttempts, now, TransferLimits.FailureWindow, CancellationToken.None);
            throw DomainException.Invalid("code", burned ? "Wrong code. That was the last try; request a new code." : "Wrong code.");
        }

        var target = state.Members.FirstOrDefault(m => m.Id == pending.ToMemberId && m.Active)
            ?? throw DomainException.Conflict("The member the project was to go to is no longer in it; request a new transfer.");
        await team.CompleteTransfer(ProjectId, target.Id, owner.Id, now, new AuditEntry(now, Actor.User(ownerUserId),
            AuditActions.OwnershipTransferred, target.Id.ToString(), new { from = owner.Email, to = target.Email }), CancellationToken.None);

        Replace(state, owner with { Role = ProjectRole.Admin });
        log.LogInformation("Project {ProjectId} handed over from {From} to {To}", ProjectId, owner.UserId, target.UserId);
        return Replace(state, target with { Role = ProjectRole.Owner });
    }

    private string TransferScope => "ownership:" + ProjectId;

    /// <summary>
    /// Wrong codes count across codes: a stolen owner session that requests code after code
    /// still gets only <see cref="TransferLimits.WrongCodesPerWindow"/> guesses a day.
    /// </summary>
    private static void RequireTransferCodesLeft(StoredTransfer transfer, DateTimeOffset now)
    {
        if (transfer.FailuresSince is { } since && since + TransferLimits.FailureWindow > now && transfer.Failures >= TransferLimits.WrongCodesPerWindow)
            throw TooMany("Too many wrong ownership transfer codes for this project; try again in {0}.", since + TransferLimits.FailureWindow - now);
    }

    /// <summary>
    /// Invitations email whoever they name, so they are limited per project and per inviting
    /// person, counted from what is stored (members, the audit log): exact across silos and restarts.
    /// </summary>
    private async Task RequireInvitationAllowed(ProjectState state, Actor actor, DateTimeOffset now)
    {
        var since = now - InvitationLimits.Window;
        // The owner's own membership, made with the project, is not an invitation.
        var ofProject = state.Members.Where(m => m.AddedAt > since && m.AddedAt > state.Project.CreatedAt).Select(m => m.AddedAt).Order().ToList();
        if (InvitationLimits.Wait(ofProject, InvitationLimits.PerProject, now) is { } projectWait)
            throw TooMany($"This project has invited {InvitationLimits.PerProject} people within an hour; try again in {{0}}.", projectWait);
        if (actor.Kind == ActorKind.User
            && InvitationLimits.Wait(await team.InvitationsBy(actor.Id!, since, CancellationToken.None), InvitationLimits.PerPerson, now) is { } personWait)
            throw TooMany($"You have invited {InvitationLimits.PerPerson} people within an hour; try again in {{0}}.", personWait);
    }

    private static DomainException TooMany(string reason, TimeSpan wait) =>
        DomainException.TooManyRequests(string.Format(reason, WaitText.Of(wait)), wait);

    /// <summary>
    /// The active membership of a person, by account, or by email for an invitation their first
    /// login has linked in the database but this activation has not heard about yet.
    /// </summary>
    private static MemberView? MemberOf(ProjectState state, Guid? userId, string? email) =>
        state.Members.FirstOrDefault(m => m.Active && userId is not null && m.UserId == userId)
        ?? (email is null ? null : state.Members.FirstOrDefault(m => m.Active && m.UserId is null && m.Email == email));

    /// <summary>The role an actor acts with: a member's role, or admin for the project's API keys.</summary>
    private static ProjectRole RoleOfActor(ProjectState state, Actor actor) => actor.Kind switch
    {
        ActorKind.ApiKey => ProjectRole.Admin,
        ActorKind.User when Guid.TryParse(actor.Id, out var userId) && MemberOf(state, userId, null) is { } member => member.Role,
        _ => throw DomainException.Forbidden("Only members of the project can manage its team."),
    };

    private static MemberView RequireOwner(ProjectState state, Guid userId) =>
        MemberOf(state, userId, null) is { Role: ProjectRole.Owner } owner
            ? owner
            : throw DomainException.Forbidden("Only the owner can hand the project over.");

    private static MemberView ActiveMember(ProjectState state, Guid memberId) =>
        state.Members.FirstOrDefault(m => m.Id == memberId && m.Active)
        ?? throw DomainException.NotFound($"Member {memberId} does not exist in this project.");

    private static MemberView Replace(ProjectState state, MemberView member)
    {
        state.Members[state.Members.FindIndex(m => m.Id == member.Id)] = member;
        return member;
    }

    /// <summary>A membership change stands whether or not its notice could be mailed.</summary>
    private async Task Notify(EmailMessage message)
    {
        try
        {
            await email.Send(message, CancellationToken.None);
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Could not email {To} about project {ProjectId}", message.To, ProjectId);
        }
    }
}
