using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Audit;
using Zapnoty.Grains.CannedReplies;
using Zapnoty.Grains.Channels;
using Zapnoty.Grains.Email;
using Zapnoty.Grains.Storage;
using Zapnoty.Grains.Team;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Projects;

/// <summary>
/// The project itself: settings, ticket types, API keys (their scopes: <see cref="ApiKeyScopes"/>). The team is in
/// <c>ProjectGrain.Team.cs</c>, ticket creation in <c>ProjectGrain.Tickets.cs</c>, canned
/// replies in <c>ProjectGrain.CannedReplies.cs</c>.
/// Every command: validate against memory, one transaction with its audit entry, then memory.
/// </summary>
public sealed partial class ProjectGrain(
    ProjectStore store,
    TeamStore team,
    TicketCreationStore creations,
    SlaReminderRows slaReminders,
    CannedReplyStore cannedReplies,
    IEmailSender email,
    TimeProvider clock,
    Observability.ZapnotyMetrics metrics,
    ILogger<ProjectGrain> log) : Grain, IProjectGrain
{
    private ProjectState? _state;

    private Guid ProjectId => this.GetPrimaryKey();

    /// <summary>The live project; a missing or deleted one is not found, exactly like a foreign one.</summary>
    private ProjectState State => _state is { Deleted: false } state
        ? state
        : throw DomainException.NotFound($"Project {ProjectId} does not exist.");

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _state = await store.Load(ProjectId, cancellationToken);

    public async Task<ProjectView> Create(CreateProject command)
    {
        var name = ProjectValidation.Name(command.Name);
        var slug = ProjectValidation.Slug(command.Slug);
        if (_state is not null) throw DomainException.Conflict($"Project {ProjectId} already exists.");

        var now = clock.StoredNow();
        var project = new ProjectView(ProjectId, name, slug, now);
        var owner = new MemberView(Guid.NewGuid(), command.OwnerUserId, command.OwnerEmail, ProjectRole.Owner, now, null);
        if (!await store.Create(project, owner, CancellationToken.None))
            throw DomainException.Conflict($"The slug '{slug}' is taken by another project.", "slug");
        owner = owner with { Name = await team.NameOf(command.OwnerUserId, CancellationToken.None) };

        _state = new ProjectState(project, new HelpdeskSettings(null, null), [], [owner], Deleted: false, BotTexts.Default);
        log.LogInformation("Project {ProjectId} '{Slug}' created by {UserId}", ProjectId, slug, command.OwnerUserId);
        return project;
    }

    public Task<ProjectView> Get() => Task.FromResult(State.Project);

    public async Task<ProjectView> Rename(Actor actor, string name)
    {
        var state = State;
        name = ProjectValidation.Name(name);
        if (name == state.Project.Name) return state.Project;

        var now = clock.StoredNow();
        await store.Rename(ProjectId, name, new AuditEntry(now, actor, AuditActions.ProjectRenamed, ProjectId.ToString(),
            new { from = state.Project.Name, to = name }), CancellationToken.None);
        _state = state with { Project = state.Project with { Name = name } };
        return _state.Project;
    }

    public async Task Delete(Actor actor)
    {
        var state = State;
        // Its bots stop sending us updates first: a deleted project answers nobody.
        var bots = ServiceProvider.GetRequiredService<BotStore>();
        foreach (var channel in new[] { Channel.Telegram, Channel.Max })
            if (await bots.FindLiveOfProject(ProjectId, channel, CancellationToken.None) is { } bot)
                await GrainFactory.GetGrain<IBotGrain>(BotKeys.Of(channel, bot.ExternalId)).Disconnect(ProjectId, actor);
        var revokedKeys = await store.Delete(ProjectId,
            new AuditEntry(clock.StoredNow(), actor, AuditActions.ProjectDeleted, ProjectId.ToString(), new { slug = state.Project.Slug }),
            CancellationToken.None);
        _state = state with { Deleted = true };
        await ForgetKeys(revokedKeys);
        log.LogInformation("Project {ProjectId} deleted by {Actor}", ProjectId, actor);
    }

    public Task<ProjectRole?> AccessOf(Credential credential)
    {
        if (_state is not { Deleted: false } state) return Task.FromResult<ProjectRole?>(null);
        ProjectRole? role = credential.Kind switch
        {
            // A project API key acts with the role of its scopes, on its own project only.
            CredentialKind.ApiKey => credential.ProjectId == ProjectId ? ApiKeyScopes.RoleOf(credential.Scopes) : null,
            _ => MemberOf(state, credential.UserId, credential.Email)?.Role,
        };
        return Task.FromResult(role);
    }

    public Task<ProjectRole?> RoleOf(Guid userId) =>
        Task.FromResult(_state is { Deleted: false } state ? MemberOf(state, userId, email: null)?.Role : null);

    public Task<HelpdeskSettings> GetSettings() => Task.FromResult(State.Settings);

    public async Task<HelpdeskSettings> ChangeSettings(SettingsChange change)
    {
        var state = State;
        var settings = state.Settings;
        if (change.ChangesFirstReply)
            settings = settings with { SlaFirstReplyHours = ProjectValidation.SlaHours(change.SlaFirstReplyHours, "sla_first_reply_hours") };
        if (change.ChangesResolve)
            settings = settings with { SlaResolveHours = ProjectValidation.SlaHours(change.SlaResolveHours, "sla_resolve_hours") };
        if (settings == state.Settings) return settings;

        var audit = new AuditEntry(clock.StoredNow(), change.Actor, AuditActions.SettingsChanged, ProjectId.ToString(), new
        {
            from = new { sla_first_reply_hours = state.Settings.SlaFirstReplyHours, sla_resolve_hours = state.Settings.SlaResolveHours },
            to = new { sla_first_reply_hours = settings.SlaFirstReplyHours, sla_resolve_hours = settings.SlaResolveHours },
        });
        await store.SaveSettings(ProjectId, settings, audit, CancellationToken.None);
        _state = state with { Settings = settings };
        return settings;
    }

    public Task<BotContext> GetBotContext()
    {
        var state = State;
        return Task.FromResult(new BotContext(state.Project, state.BotTexts, state.TicketTypes.Where(t => !t.Archived).ToList()));
    }

    /// <summary>
    /// The previous release's route to the texts, kept for its silos during a rolling upgrade: the
    /// texts now live per language in <see cref="BotLanguages.IBotTextsGrain"/>, and this changes
    /// those of the default language there.
    /// </summary>
    public async Task<BotTexts> ChangeBotTexts(Actor actor, IReadOnlyDictionary<string, string?> changes)
    {
        _ = State;
        var texts = GrainFactory.GetGrain<BotLanguages.IBotTextsGrain>(ProjectId);
        var book = await texts.ChangeTexts(actor, (await texts.Get()).DefaultLanguage, changes);
        return BotTexts.Default.With(BotTexts.Keys.ToDictionary(key => key, key => (string?)book.Text(book.DefaultLanguage, key)));
    }

    public Task<IReadOnlyList<TicketTypeView>> ListTicketTypes(bool includeArchived) =>
        Task.FromResult<IReadOnlyList<TicketTypeView>>(State.TicketTypes.Where(t => includeArchived || !t.Archived).ToList());

    public Task<TicketTypeView?> FindTicketType(Guid typeId) =>
        Task.FromResult(_state?.TicketTypes.FirstOrDefault(t => t.Id == typeId));

    public async Task<TicketTypeView> AddTicketType(Actor actor, string name)
    {
        var state = State;
        name = ProjectValidation.Name(name);
        RequireUniqueTypeName(state, name, except: null);
        if (state.TicketTypes.Count(t => !t.Archived) >= ProjectLimits.MaxTicketTypes)
            throw DomainException.Conflict($"A project can have at most {ProjectLimits.MaxTicketTypes} ticket types.");

        var type = new TicketTypeView(Guid.NewGuid(), name, state.TicketTypes.Select(t => t.Position + 1).DefaultIfEmpty(0).Max(), false);
        await store.InsertTicketType(ProjectId, type,
            new AuditEntry(clock.StoredNow(), actor, AuditActions.TicketTypeAdded, type.Id.ToString(), new { name }), CancellationToken.None);
        state.TicketTypes.Add(type);
        return type;
    }

    public async Task<TicketTypeView> RenameTicketType(Actor actor, Guid typeId, string name)
    {
        var state = State;
        var index = ActiveTypeIndex(state, typeId);
        name = ProjectValidation.Name(name);
        RequireUniqueTypeName(state, name, except: typeId);
        var before = state.TicketTypes[index];
        if (before.Name == name) return before;

        await store.RenameTicketType(ProjectId, typeId, name, new AuditEntry(clock.StoredNow(), actor, AuditActions.TicketTypeRenamed,
            typeId.ToString(), new { from = before.Name, to = name }), CancellationToken.None);
        var renamed = before with { Name = name };
        state.TicketTypes[index] = renamed;
        return renamed;
    }

    public async Task ArchiveTicketType(Actor actor, Guid typeId)
    {
        var state = State;
        var index = ActiveTypeIndex(state, typeId);
        await store.ArchiveTicketType(ProjectId, typeId, new AuditEntry(clock.StoredNow(), actor, AuditActions.TicketTypeArchived,
            typeId.ToString(), new { name = state.TicketTypes[index].Name }), CancellationToken.None);
        state.TicketTypes[index] = state.TicketTypes[index] with { Archived = true };
    }

    public Task<IReadOnlyList<ApiKeyView>> ListApiKeys(ApiKeyPosition? after, int limit)
    {
        _ = State;
        return store.ListApiKeys(ProjectId, after, limit, CancellationToken.None);
    }

    public async Task<CreatedApiKey> CreateApiKey(NewApiKey command)
    {
        _ = State;
        // A key never mints keys: a leaked key must not be able to outlive its own revocation.
        if (command.Actor.Kind != ActorKind.User || command.Actor.AgentId is not { } userId)
            throw DomainException.Forbidden("Only a signed-in person can create API keys.");
        var name = ProjectValidation.Name(command.Name);
        if (command.Scopes.Count == 0)
            throw DomainException.Invalid("scopes", $"Name at least one scope: {string.Join(", ", ApiKeyScopes.All)}.");
        var now = clock.StoredNow();
        if (command.ExpiresAt is { } expiresAt && (expiresAt <= now || expiresAt > now + ApiKeyLimits.MaxLifetime))
            throw DomainException.Invalid("expires_at", "The expiry must be in the future and within 5 years; leave it out for a key that does not expire.");
        if (await store.CountActiveApiKeys(ProjectId, now, CancellationToken.None) >= ApiKeyLimits.MaxActivePerProject)
            throw DomainException.Conflict($"A project can have at most {ApiKeyLimits.MaxActivePerProject} active API keys; revoke the ones no longer used.");

        var creator = MemberOf(State, userId, null) is { } member
            ? new ApiKeyCreator(userId, member.Email, member.Name)
            : throw DomainException.Forbidden("Only members of the project can create its API keys.");
        var scopes = ApiKeyScopes.Normalized(command.Scopes);
        var secret = Credentials.NewApiKey();
        var view = new ApiKeyView(Guid.NewGuid(), name, secret[..10], now, null, scopes, command.ExpiresAt, null, creator);
        await store.InsertApiKey(ProjectId, view, Credentials.Hash(secret),
            new AuditEntry(now, command.Actor, AuditActions.ApiKeyCreated, view.Id.ToString(),
                new { name, prefix = view.Prefix, scopes = ApiKeyScopes.NamesOf(scopes), expires_at = command.ExpiresAt }),
            CancellationToken.None);
        log.LogInformation("API key {KeyId} ({Scopes}) created in project {ProjectId} by {UserId}",
            view.Id, string.Join(' ', ApiKeyScopes.NamesOf(scopes)), ProjectId, userId);
        return new CreatedApiKey(view, secret);
    }

    public async Task RevokeApiKey(Actor actor, Guid keyId)
    {
        _ = State;
        var hash = await store.RevokeApiKey(ProjectId, keyId,
                new AuditEntry(clock.StoredNow(), actor, AuditActions.ApiKeyRevoked, keyId.ToString()), CancellationToken.None)
            ?? throw DomainException.NotFound($"API key {keyId} does not exist in this project or is already revoked.");
        await ForgetKeys([hash]);
    }

    private Task ForgetKeys(IReadOnlyList<byte[]> hashes) => Credentials.Forget(GrainFactory, hashes, log);

    private static int ActiveTypeIndex(ProjectState state, Guid typeId)
    {
        var index = state.TicketTypes.FindIndex(t => t.Id == typeId && !t.Archived);
        return index >= 0 ? index : throw DomainException.NotFound($"Ticket type {typeId} does not exist in this project.");
    }

    private static void RequireUniqueTypeName(ProjectState state, string name, Guid? except)
    {
        if (state.TicketTypes.Any(t => !t.Archived && t.Id != except && string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)))
            throw DomainException.Conflict($"A ticket type named '{name}' already exists.", "name");
    }
}
