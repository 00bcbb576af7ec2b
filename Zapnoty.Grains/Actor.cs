namespace Zapnoty.Grains;

[GenerateSerializer]
[Alias("Zapnoty.Grains.ActorKind")]
public enum ActorKind
{
    User,
    ApiKey,
    Customer,
    System,
}

/// <summary>Who did something: recorded in ticket history and shown as <c>actor { kind, id }</c>.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Actor")]
public sealed record Actor([property: Id(0)] ActorKind Kind, [property: Id(1)] string? Id)
{
    public static Actor User(Guid userId) => new(ActorKind.User, userId.ToString());
    public static Actor ApiKey(Guid keyId) => new(ActorKind.ApiKey, keyId.ToString());
    public static Actor Customer(Guid customerId) => new(ActorKind.Customer, customerId.ToString());
    public static readonly Actor System = new(ActorKind.System, null);

    /// <summary>The agent id stored on a reply: the user, or the API key that wrote it.</summary>
    public Guid? AgentId => Kind is ActorKind.User or ActorKind.ApiKey && Guid.TryParse(Id, out var id) ? id : null;

}
