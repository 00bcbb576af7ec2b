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
[Alias("Zapnoty.Grains.Projects.IProjectGrain")]
public interface IProjectGrain : IGrainWithGuidKey
{
    /// <summary>Creates the project with the caller as owner. Taken slug or existing id: Conflict.</summary>
    [Alias("7AB68C30")]
    Task<ProjectView> Create(CreateProject command);

    [Alias("E8CD013D")]
    [ReadOnly] Task<ProjectView> Get();
    [Alias("0B178CD0")]
    Task<ProjectView> Rename(Actor actor, string name);
    /// <summary>Soft-deletes the project: from then on it and everything in it answer 404.</summary>
    [Alias("47D453C8")]
    Task Delete(Actor actor);

    /// <summary>The role a credential has here; null when it has none (or the project does not exist).</summary>
    [Alias("928A3C79")]
    [ReadOnly] Task<ProjectRole?> AccessOf(Credential credential);
    /// <summary>The user's role here, or null when they are not an active member.</summary>
    [Alias("4BA0A47D")]
    [ReadOnly] Task<ProjectRole?> RoleOf(Guid userId);

    [Alias("062B170A")]
    [ReadOnly] Task<HelpdeskSettings> GetSettings();
    [Alias("34A2C5C7")]
    Task<HelpdeskSettings> ChangeSettings(SettingsChange change);

    /// <summary>What a bot dialog needs: the project, its bot texts, its active ticket types.</summary>
    [Alias("C427F621")]
    [ReadOnly] Task<BotContext> GetBotContext();
    /// <summary>
    /// Changes bot texts of the default language by key (<see cref="BotTexts.Keys"/>); null returns a text to its default.
    /// The previous release's; this one calls <see cref="BotLanguages.IBotTextsGrain"/>.
    /// </summary>
    [Alias("12CD63F9")]
    Task<BotTexts> ChangeBotTexts(Actor actor, IReadOnlyDictionary<string, string?> changes);

    [Alias("42942FCB")]
    [ReadOnly] Task<IReadOnlyList<TicketTypeView>> ListTicketTypes(bool includeArchived);
    /// <summary>The type, archived ones included; null when the project has no such type.</summary>
    [Alias("A7C59CE9")]
    [ReadOnly] Task<TicketTypeView?> FindTicketType(Guid typeId);
    [Alias("FC5D5DB3")]
    Task<TicketTypeView> AddTicketType(Actor actor, string name);
    [Alias("8783FDDD")]
    Task<TicketTypeView> RenameTicketType(Actor actor, Guid typeId, string name);
    [Alias("B1FA12FB")]
    Task ArchiveTicketType(Actor actor, Guid typeId);

    /// <summary>The keys, oldest first: the page after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    [Alias("2BDC5F2D")]
    [ReadOnly] Task<IReadOnlyList<ApiKeyView>> ListApiKeys(ApiKeyPosition? after, int limit);
    /// <summary>
    /// A key with the chosen scopes and optional expiry, created by a member's session (never by a
    /// key: Forbidden). At most <see cref="ApiKeyLimits.MaxActivePerProject"/> active keys: Conflict.
    /// </summary>
    [Alias("A0393A4C")]
    Task<CreatedApiKey> CreateApiKey(NewApiKey command);
    [Alias("12818648")]
    Task RevokeApiKey(Actor actor, Guid keyId);

    /// <summary>Members, oldest first; removed ones too when asked (to name former assignees).</summary>
    [Alias("DFDD0D93")]
    [ReadOnly] Task<IReadOnlyList<MemberView>> ListMembers(bool includeRemoved);
    /// <summary>Adds a member by email; a person without an account is invited and joins on first login.</summary>
    [Alias("B72375E6")]
    Task<MemberView> AddMember(Actor actor, string email, ProjectRole role);
    [Alias("492FBD0E")]
    Task<MemberView> ChangeMemberRole(Actor actor, Guid memberId, ProjectRole role);
    [Alias("2FE5C228")]
    Task RemoveMember(Actor actor, Guid memberId);
    /// <summary>The calling person leaves the project; the owner must hand it over first.</summary>
    [Alias("0BEF78A3")]
    Task Leave(Guid userId);
    /// <summary>Told after the invited person's first login linked their account to the invitation.</summary>
    [Alias("09379C25")]
    Task MemberJoined(Guid userId, string email);
    /// <summary>Told after a person changed their display name, so the member list and ticket assignees show it.</summary>
    [Alias("B54F05F5")]
    Task MemberRenamed(Guid userId, string name);

    /// <summary>Emails an 8-digit code to the owner; the latest request replaces any earlier one. 3 an hour, 10 wrong codes a day (429).</summary>
    [Alias("BFEFCBA1")]
    Task<OwnershipTransferView> RequestOwnershipTransfer(Guid ownerUserId, Guid toMemberId);
    /// <summary>With the emailed code: the member becomes owner, the owner becomes admin.</summary>
    [Alias("835A1859")]
    Task<MemberView> ConfirmOwnershipTransfer(Guid ownerUserId, string code);

    /// <summary>
    /// Creates a ticket with the next number. Interleaved on purpose: concurrent creations are
    /// grouped into one transaction (group commit), which is what keeps a busy project fast.
    /// With a key (<see cref="Cluster.WriteKey"/>): a repeat answers the ticket the key created,
    /// Conflict while another request with the key is still being created, Unprocessable when
    /// the key was sent for another request.
    /// </summary>
    [AlwaysInterleave]
    [Cluster.IdempotentWhenKeyed]
    [Alias("2CB0081A")]
    Task<TicketView> CreateTicket(NewTicket ticket);

    /// <summary>Canned replies by title (ignoring case), then id; the page after <paramref name="after"/>, at most <paramref name="limit"/>.</summary>
    [Alias("91A1F126")]
    [ReadOnly] Task<IReadOnlyList<CannedReplyView>> ListCannedReplies(CannedReplyPosition? after, int limit);
    /// <summary>A new canned reply for the whole team. A bad template is Invalid (<c>text</c>), naming the variable and its position.</summary>
    [Alias("70854D48")]
    Task<CannedReplyView> AddCannedReply(Actor actor, string? title, string? text);
    [Alias("A0A88241")]
    Task<CannedReplyView> ChangeCannedReply(Guid cannedReplyId, CannedReplyChange change);
    [Alias("07B5FD83")]
    Task DeleteCannedReply(Actor actor, Guid cannedReplyId);
    /// <summary>
    /// The canned reply's text with the values of this ticket (of this project) and this agent;
    /// null when the project has no such canned reply. Invalid (<c>canned_reply_id</c>) when the
    /// result would not be a valid message (empty, or over 4,096 characters).
    /// </summary>
    [Alias("3EA3A58E")]
    [ReadOnly] Task<string?> RenderCannedReply(Guid cannedReplyId, TicketView ticket, Actor agent);
    /// <summary>One canned reply (with the tags it applies); null when the project has no such canned reply.</summary>
    [Alias("6F3D2B81")]
    [ReadOnly] Task<CannedReplyView?> FindCannedReply(Guid cannedReplyId);
}
