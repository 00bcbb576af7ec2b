using Zapnoty.Grains;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Projects;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Api.Access;

/// <summary>
/// Who is calling, filled in per request by <see cref="ProjectAccess"/>: the credential, and on
/// project or ticket routes the project, the caller's role in it and (ticket routes) the ticket.
/// </summary>
public sealed class Caller
{
    public Credential Credential { get; internal set; } = null!;
    public Guid ProjectId { get; internal set; }
    public ProjectRole Role { get; internal set; }
    public TicketView? Ticket { get; internal set; }

    public Actor Actor => Credential.Kind == CredentialKind.ApiKey
        ? Actor.ApiKey(Credential.Id)
        : Actor.User(Credential.UserId!.Value);

    /// <summary>The user behind a session; null for API keys.</summary>
    public Guid? UserId => Credential.UserId;
}
