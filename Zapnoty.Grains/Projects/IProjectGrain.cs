using Orleans.Concurrency;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Projects;

/// <summary>The single writer of a project: settings, ticket types, API keys, and ticket numbers.</summary>
public interface IProjectGrain : IGrainWithGuidKey
{
    /// <summary>Creates the project with the caller as owner. Taken slug or existing id: Conflict.</summary>
    Task<ProjectView> Create(CreateProject command);

    [ReadOnly] Task<ProjectView> Get();

    /// <summary>The user's role here, or null when they are not a member (or the project does not exist).</summary>
    [ReadOnly] Task<ProjectRole?> RoleOf(Guid userId);

    [ReadOnly] Task<HelpdeskSettings> GetSettings();
    Task<HelpdeskSettings> ChangeSettings(SettingsChange change);

    [ReadOnly] Task<IReadOnlyList<TicketTypeView>> ListTicketTypes(bool includeArchived);
    /// <summary>The type, archived ones included; null when the project has no such type.</summary>
    [ReadOnly] Task<TicketTypeView?> FindTicketType(Guid typeId);
    Task<TicketTypeView> AddTicketType(string name);
    Task<TicketTypeView> RenameTicketType(Guid typeId, string name);
    Task ArchiveTicketType(Guid typeId);

    [ReadOnly] Task<IReadOnlyList<ApiKeyView>> ListApiKeys();
    Task<CreatedApiKey> CreateApiKey(string name, Actor createdBy);
    Task RevokeApiKey(Guid keyId);

    /// <summary>
    /// Creates a ticket with the next number. Interleaved on purpose: concurrent creations are
    /// grouped into one transaction (group commit), which is what keeps a busy project fast.
    /// </summary>
    [AlwaysInterleave]
    Task<TicketView> CreateTicket(NewTicket ticket);
}
