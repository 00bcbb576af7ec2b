using Zapnoty.Grains.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Projects;

public sealed class ProjectGrain(
    ProjectStore store,
    TicketCreationStore creations,
    TimeProvider clock,
    ILogger<ProjectGrain> log) : Grain, IProjectGrain
{
    // A bigger group holds the project row lock longer for little gain in throughput.
    private const int MaxTicketsPerTransaction = 256;

    private ProjectState? _state;
    private readonly Queue<(PreparedTicket Ticket, TaskCompletionSource<TicketView> Done)> _pendingCreations = new();
    private bool _flushing;

    private Guid ProjectId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _state = await store.Load(ProjectId, cancellationToken);

    public async Task<ProjectView> Create(CreateProject command)
    {
        var name = ProjectValidation.Name(command.Name);
        var slug = ProjectValidation.Slug(command.Slug);
        if (_state is not null) throw DomainException.Conflict($"Project {ProjectId} already exists.");

        var now = clock.StoredNow();
        var project = new ProjectView(ProjectId, name, slug, now);
        if (!await store.Create(project, Guid.NewGuid(), command.OwnerUserId, command.OwnerEmail, CancellationToken.None))
            throw DomainException.Conflict($"The slug '{slug}' is taken by another project.", "slug");

        _state = new ProjectState(project, new HelpdeskSettings(null, null), [],
            new Dictionary<Guid, ProjectRole> { [command.OwnerUserId] = ProjectRole.Owner });
        log.LogInformation("Project {ProjectId} '{Slug}' created by {UserId}", ProjectId, slug, command.OwnerUserId);
        return project;
    }

    public Task<ProjectView> Get() => Task.FromResult(State.Project);

    public Task<ProjectRole?> RoleOf(Guid userId) =>
        Task.FromResult(_state is not null && _state.MemberRoles.TryGetValue(userId, out var role) ? role : (ProjectRole?)null);

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

        await store.SaveSettings(ProjectId, settings, clock.StoredNow(), CancellationToken.None);
        _state = state with { Settings = settings };
        return settings;
    }

    public Task<IReadOnlyList<TicketTypeView>> ListTicketTypes(bool includeArchived) =>
        Task.FromResult<IReadOnlyList<TicketTypeView>>(State.TicketTypes.Where(t => includeArchived || !t.Archived).ToList());

    public Task<TicketTypeView?> FindTicketType(Guid typeId) =>
        Task.FromResult(_state?.TicketTypes.FirstOrDefault(t => t.Id == typeId));

    public async Task<TicketTypeView> AddTicketType(string name)
    {
        var state = State;
        name = ProjectValidation.Name(name);
        RequireUniqueTypeName(state, name, except: null);
        if (state.TicketTypes.Count(t => !t.Archived) >= ProjectLimits.MaxTicketTypes)
            throw DomainException.Conflict($"A project can have at most {ProjectLimits.MaxTicketTypes} ticket types.");

        var type = new TicketTypeView(Guid.NewGuid(), name, state.TicketTypes.Select(t => t.Position + 1).DefaultIfEmpty(0).Max(), false);
        await store.InsertTicketType(ProjectId, type, clock.StoredNow(), CancellationToken.None);
        state.TicketTypes.Add(type);
        return type;
    }

    public async Task<TicketTypeView> RenameTicketType(Guid typeId, string name)
    {
        var state = State;
        var index = ActiveTypeIndex(state, typeId);
        name = ProjectValidation.Name(name);
        RequireUniqueTypeName(state, name, except: typeId);

        await store.RenameTicketType(typeId, name, CancellationToken.None);
        var renamed = state.TicketTypes[index] with { Name = name };
        state.TicketTypes[index] = renamed;
        return renamed;
    }

    public async Task ArchiveTicketType(Guid typeId)
    {
        var state = State;
        var index = ActiveTypeIndex(state, typeId);
        await store.ArchiveTicketType(typeId, clock.StoredNow(), CancellationToken.None);
        state.TicketTypes[index] = state.TicketTypes[index] with { Archived = true };
    }

    public Task<IReadOnlyList<ApiKeyView>> ListApiKeys()
    {
        _ = State;
        return store.ListApiKeys(ProjectId, CancellationToken.None);
    }

    public async Task<CreatedApiKey> CreateApiKey(string name, Actor createdBy)
    {
        _ = State;
        name = ProjectValidation.Name(name);
        var secret = Credentials.NewApiKey();
        var view = new ApiKeyView(Guid.NewGuid(), name, secret[..10], clock.StoredNow(), null);
        await store.InsertApiKey(ProjectId, view, Credentials.Hash(secret), createdBy.Kind == ActorKind.User ? createdBy.AgentId : null, CancellationToken.None);
        return new CreatedApiKey(view, secret);
    }

    public async Task RevokeApiKey(Guid keyId)
    {
        _ = State;
        var hash = await store.RevokeApiKey(ProjectId, keyId, clock.StoredNow(), CancellationToken.None)
            ?? throw DomainException.NotFound($"API key {keyId} does not exist in this project.");
        await GrainFactory.GetGrain<ICredentialGrain>(Credentials.GrainKey(hash)).Forget();
    }

    public async Task<TicketView> CreateTicket(NewTicket request)
    {
        var prepared = Prepare(request);
        var done = new TaskCompletionSource<TicketView>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingCreations.Enqueue((prepared, done));
        if (!_flushing) _ = FlushCreations();
        return await done.Task;
    }

    private PreparedTicket Prepare(NewTicket request)
    {
        var state = State;
        TicketRules.RequireText(request.Text);
        var customer = request.Customer;
        if (string.IsNullOrWhiteSpace(customer.ExternalId))
            throw DomainException.Invalid("customer.external_id", "The customer's external_id is required.");
        if (customer.ExternalId.Length > TicketLimits.MaxExternalIdLength)
            throw DomainException.Invalid("customer.external_id", $"external_id must be at most {TicketLimits.MaxExternalIdLength} characters.");
        if (customer.Name?.Length > TicketLimits.MaxNameLength)
            throw DomainException.Invalid("customer.name", $"The customer's name must be at most {TicketLimits.MaxNameLength} characters.");
        if (request.Subject?.Length > TicketLimits.MaxSubjectLength)
            throw DomainException.Invalid("subject", $"The subject must be at most {TicketLimits.MaxSubjectLength} characters.");

        string? typeName = null;
        if (request.TypeId is { } typeId)
        {
            var type = state.TicketTypes.FirstOrDefault(t => t.Id == typeId && !t.Archived)
                ?? throw DomainException.Invalid("type_id", $"Ticket type {typeId} does not exist in this project.");
            typeName = type.Name;
        }

        var now = clock.StoredNow();
        return new PreparedTicket(
            Guid.NewGuid(), request, TicketRules.SubjectFor(request.Subject, request.Text),
            request.Priority ?? TicketPriority.Normal, typeName, now,
            DueAfter(now, state.Settings.SlaFirstReplyHours), DueAfter(now, state.Settings.SlaResolveHours),
            Guid.NewGuid(), Guid.NewGuid());
    }

    private static DateTimeOffset? DueAfter(DateTimeOffset start, decimal? hours) =>
        hours is { } h ? start + TimeSpan.FromHours((double)h) : null;

    /// <summary>
    /// Drains the queue of creations that arrived while the previous transaction ran: all of
    /// them go into the next transaction. Runs on the grain's scheduler, so the queue needs no lock.
    /// </summary>
    private async Task FlushCreations()
    {
        _flushing = true;
        try
        {
            while (_pendingCreations.Count > 0)
            {
                var group = new List<(PreparedTicket Ticket, TaskCompletionSource<TicketView> Done)>();
                while (group.Count < MaxTicketsPerTransaction && _pendingCreations.TryDequeue(out var next))
                    group.Add(next);
                await InsertGroup(group);
            }
        }
        finally
        {
            _flushing = false;
        }
    }

    private async Task InsertGroup(List<(PreparedTicket Ticket, TaskCompletionSource<TicketView> Done)> group)
    {
        try
        {
            var created = await creations.Insert(ProjectId, group.Select(g => g.Ticket).ToList(), CancellationToken.None);
            for (var i = 0; i < group.Count; i++) group[i].Done.SetResult(created[i]);
        }
        catch (PostgresException e) when (group.Count > 1 && !e.IsTransient)
        {
            // One bad request must not fail its neighbours: retry each on its own.
            log.LogWarning(e, "Group of {Count} ticket creations failed for project {ProjectId}; retrying one by one", group.Count, ProjectId);
            foreach (var single in group) await InsertGroup([single]);
        }
        catch (Exception e)
        {
            foreach (var (_, done) in group) done.TrySetException(e);
        }
    }

    private ProjectState State => _state ?? throw DomainException.NotFound($"Project {ProjectId} does not exist.");

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
