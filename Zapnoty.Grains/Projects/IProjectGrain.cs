using Orleans.Concurrency;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.CannedReplies;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Projects;

/// <summary>
/// The single writer of a project: its settings, ticket types, API keys, team, ticket
/// numbers and canned replies. Every change it makes is audited in the same transaction.
/// </summary>
public interface IProjectGrain : IGrainWithGuidKey
{
    /// <summary>Creates the project with the caller as owner. Taken slug or existing id: Conflict.</summary>
    Task<ProjectView> Create(CreateProject command);

    [ReadOnly] Task<ProjectView> Get();
    Task<ProjectView> Rename(Actor actor, string name);
    /// <summary>Soft-deletes the project: from then on it and everything in it answer 404.</summary>
    Task Delete(Actor actor);

    /// <summary>The role a credential has here; null when it has none (or the project does not exist).</summary>
    [ReadOnly] Task<ProjectRole?> AccessOf(Credential credential);
    /// <summary>The user's role here, or null when they are not an active member.</summary>
    [ReadOnly] Task<ProjectRole?> RoleOf(Guid userId);

    [ReadOnly] Task<HelpdeskSettings> GetSettings();
    Task<HelpdeskSettings> ChangeSettings(SettingsChange change);

    /// <summary>What a bot dialog needs: the project, its bot texts, its active ticket types.</summary>
    [ReadOnly] Task<BotContext> GetBotContext();
    /// <summary>Changes bot texts by key (<see cref="BotTexts.Keys"/>); null returns a text to its default.</summary>
    Task<BotTexts> ChangeBotTexts(Actor actor, IReadOnlyDictionary<string, string?> changes);

    [ReadOnly] Task<IReadOnlyList<TicketTypeView>> ListTicketTypes(bool includeArchived);
    /// <summary>The type, archived ones included; null when the project has no such type.</summary>
    [ReadOnly] Task<TicketTypeView?> FindTicketType(Guid typeId);
    Task<TicketTypeView> AddTicketType(Actor actor, string name);
    Task<TicketTypeView> RenameTicketType(Actor actor, Guid typeId, string name);
    Task ArchiveTicketType(Actor actor, Guid typeId);

    /// <summary>The keys, oldest first: the page after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    [ReadOnly] Task<IReadOnlyList<ApiKeyView>> ListApiKeys(ApiKeyPosition? after, int limit);
    /// <summary>
    /// A key with the chosen scopes and optional expiry, created by a member's session (never by a
    /// key: Forbidden). At most <see cref="ApiKeyLimits.MaxActivePerProject"/> active keys: Conflict.
    /// </summary>
    Task<CreatedApiKey> CreateApiKey(NewApiKey command);
    Task RevokeApiKey(Actor actor, Guid keyId);

    /// <summary>Members, oldest first; removed ones too when asked (to name former assignees).</summary>
    [ReadOnly] Task<IReadOnlyList<MemberView>> ListMembers(bool includeRemoved);
    /// <summary>Adds a member by email; a person without an account is invited and joins on first login.</summary>
    Task<MemberView> AddMember(Actor actor, string email, ProjectRole role);
    Task<MemberView> ChangeMemberRole(Actor actor, Guid memberId, ProjectRole role);
    Task RemoveMember(Actor actor, Guid memberId);
    /// <summary>The calling person leaves the project; the owner must hand it over first.</summary>
    Task Leave(Guid userId);
    /// <summary>Told after the invited person's first login linked their account to the invitation.</summary>
    Task MemberJoined(Guid userId, string email);
    /// <summary>Told after a person changed their display name, so the member list and ticket assignees show it.</summary>
    Task MemberRenamed(Guid userId, string name);

    /// <summary>Emails an 8-digit code to the owner; the latest request replaces any earlier one. 3 an hour, 10 wrong codes a day (429).</summary>
    Task<OwnershipTransferView> RequestOwnershipTransfer(Guid ownerUserId, Guid toMemberId);
    /// <summary>With the emailed code: the member becomes owner, the owner becomes admin.</summary>
    Task<MemberView> ConfirmOwnershipTransfer(Guid ownerUserId, string code);

    /// <summary>
    /// Creates a ticket with the next number. Interleaved on purpose: concurrent creations are
    /// grouped into one transaction (group commit), which is what keeps a busy project fast.
    /// </summary>
    [AlwaysInterleave]
    Task<TicketView> CreateTicket(NewTicket ticket);

    /// <summary>Canned replies by title (ignoring case), then id; the page after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    [ReadOnly] Task<IReadOnlyList<CannedReplyView>> ListCannedReplies(CannedReplyPosition? after, int limit);
    /// <summary>A new canned reply for the whole team. A bad template is Invalid (<c>text</c>), naming the variable and its position.</summary>
    Task<CannedReplyView> AddCannedReply(Actor actor, string? title, string? text);
    Task<CannedReplyView> ChangeCannedReply(Guid cannedReplyId, CannedReplyChange change);
    Task DeleteCannedReply(Actor actor, Guid cannedReplyId);
    /// <summary>
    /// The canned reply's text with the values of this ticket (of this project) and this agent;
    /// null when the project has no such canned reply. Invalid (<c>canned_reply_id</c>) when the
    /// result would not be a valid message (empty, or over 4,096 characters).
    /// </summary>
    [ReadOnly] Task<string?> RenderCannedReply(Guid cannedReplyId, TicketView ticket, Actor agent);
}
