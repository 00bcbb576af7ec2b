using Zapnoty.Grains.Secrets;
using Zapnoty.Grains.Tickets;

namespace Zapnoty.Grains.Channels;

/// <summary>
/// A bot connected to a project. <see cref="Id"/> is ours; <see cref="ExternalId"/> is the
/// messenger's (Telegram's bot id), which our webhook URLs carry. The token stays encrypted
/// (<see cref="ProtectedToken"/>, as stored) wherever a bot is held or passed, the Orleans
/// Dashboard's view of grain state included; <see cref="MessengerClients.TokenOf"/> decrypts it
/// for the one call that needs it. Of the webhook secret only its hash is kept.
/// </summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.BotView")]
public sealed record BotView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ProjectId,
    [property: Id(2)] Channel Channel,
    [property: Id(3)] string ExternalId,
    [property: Id(4)] string Username,
    [property: Id(5)] string ProtectedToken,
    [property: Id(6)] string WebhookSecretHash,
    [property: Id(7)] DateTimeOffset ConnectedAt)
{
    /// <summary>Whether a webhook call carries this bot's secret (fixed-time).</summary>
    public bool AcceptsWebhookSecret(string presented) => SecretHash.Matches(presented, WebhookSecretHash);
}

/// <summary>What a bot says. Every text is a project setting; these are the defaults.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.BotTexts")]
public sealed record BotTexts(
    [property: Id(0)] string Greeting,
    [property: Id(1)] string ChooseType,
    [property: Id(2)] string TicketCreated,
    [property: Id(3)] string InvalidLink,
    [property: Id(4)] string Status,
    [property: Id(5)] string NoTicket,
    [property: Id(6)] string NewTicket)
{
    public static readonly BotTexts Default = new(
        Greeting: "Hi! This is {project} support. Describe your problem in one message; you can attach a photo or a file.",
        ChooseType: "Thanks! What is it about?",
        TicketCreated: "Ticket #{number} created. We will answer you here.",
        InvalidLink: "Sorry, this support link is not valid. Please check it with the company you are contacting.",
        Status: "Ticket #{number}: {status}.",
        NoTicket: "You have no open ticket. Describe your problem in one message to start one.",
        NewTicket: "Describe your new problem in one message.");

    public const int MaxLength = 1000;

    /// <summary>The texts with the given keys replaced; a null value returns a key to its default.</summary>
    public BotTexts With(IReadOnlyDictionary<string, string?> changes)
    {
        var texts = this;
        foreach (var (key, value) in changes)
        {
            if (value is { Length: 0 or > MaxLength })
                throw DomainException.Invalid(key, $"A bot text must be 1 to {MaxLength} characters.");
            texts = key switch
            {
                "greeting" => texts with { Greeting = value ?? Default.Greeting },
                "choose_type" => texts with { ChooseType = value ?? Default.ChooseType },
                "ticket_created" => texts with { TicketCreated = value ?? Default.TicketCreated },
                "invalid_link" => texts with { InvalidLink = value ?? Default.InvalidLink },
                "status" => texts with { Status = value ?? Default.Status },
                "no_ticket" => texts with { NoTicket = value ?? Default.NoTicket },
                "new_ticket" => texts with { NewTicket = value ?? Default.NewTicket },
                _ => throw DomainException.Invalid(key, $"'{key}' is not a bot text; the texts are: {string.Join(", ", Keys)}."),
            };
        }
        return texts;
    }

    public static readonly IReadOnlyList<string> Keys = ["greeting", "choose_type", "ticket_created", "invalid_link", "status", "no_ticket", "new_ticket"];
}

/// <summary>What the dialog needs to know about the project behind a bot.</summary>
[GenerateSerializer, Immutable]
[Alias("Zapnoty.Grains.Channels.BotContext")]
public sealed record BotContext(
    [property: Id(0)] Projects.ProjectView Project,
    [property: Id(1)] BotTexts Texts,
    [property: Id(2)] IReadOnlyList<Projects.TicketTypeView> TicketTypes);

/// <summary>The update was applied before (a redelivery); nothing more happens.</summary>
[GenerateSerializer]
[Alias("Zapnoty.Grains.Channels.UpdateAlreadyApplied")]
public sealed class UpdateAlreadyApplied : Exception
{
    public UpdateAlreadyApplied() { }
    public UpdateAlreadyApplied(string message) : base(message) { }
}
