using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using Zapnoty.Api.Billing;
using Zapnoty.Api.Projects;
using Zapnoty.Api.Webhooks;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.Billing.Payments;
using Zapnoty.Grains.Webhooks;
using Zapnoty.Api.Helpdesk;
using Zapnoty.Grains.Rules;

namespace Zapnoty.Api.OpenApi;

/// <summary>
/// The fixed vocabularies the API sends and takes as plain strings (payment status, ledger kind,
/// provider, API key scopes, webhook events) declared as <c>enum</c>, read from the code that
/// defines each one, so the document cannot drift from it. C# enums (ticket status, priority,
/// channel, roles) are declared by the generator itself.
/// </summary>
public sealed class Vocabularies : ISchemaFilter
{
    private static readonly IReadOnlyList<string> Providers = ConstantsOf(typeof(PaymentProviderNames));
    private static readonly IReadOnlyList<string> EventTypes = [.. TicketEventTypes.Every, .. BillingEventTypes.Every];
    private static readonly IReadOnlyList<string> Subscriptions = [TicketEventTypes.All, .. EventTypes];

    private static readonly Dictionary<Type, (string Property, IReadOnlyCollection<string> Values)[]> Fixed = new()
    {
        [typeof(PaymentDto)] = [(nameof(PaymentDto.Status), ConstantsOf(typeof(PaymentStatus))), (nameof(PaymentDto.Provider), Providers)],
        [typeof(PackPriceDto)] = [(nameof(PackPriceDto.Provider), Providers)],
        [typeof(BalanceDto)] = [(nameof(BalanceDto.PaymentProviders), Providers)],
        [typeof(LedgerEntryDto)] = [(nameof(LedgerEntryDto.Kind), ConstantsOf(typeof(LedgerKinds)))],
        [typeof(ApiKeyDto)] = [(nameof(ApiKeyDto.Scopes), ApiKeyScopes.All)],
        [typeof(CreatedApiKeyDto)] = [(nameof(CreatedApiKeyDto.Scopes), ApiKeyScopes.All)],
        [typeof(CreateApiKeyRequest)] = [(nameof(CreateApiKeyRequest.Scopes), ApiKeyScopes.All)],
        [typeof(WebhookDto)] = [(nameof(WebhookDto.Events), Subscriptions)],
        [typeof(WebhookSecretDto)] = [(nameof(WebhookSecretDto.Events), Subscriptions)],
        [typeof(CreateWebhookRequest)] = [(nameof(CreateWebhookRequest.Events), Subscriptions)],
        [typeof(ChangeWebhookRequest)] = [(nameof(ChangeWebhookRequest.Events), Subscriptions)],
        [typeof(DeliveryDto)] = [(nameof(DeliveryDto.EventType), EventTypes)],
        [typeof(RuleTriggerDto)] = [(nameof(RuleTriggerDto.Type), RuleTriggers.All), (nameof(RuleTriggerDto.Target), RuleTargets.All)],
        [typeof(RuleActionDto)] = [(nameof(RuleActionDto.Type), RuleActionTypes.All), (nameof(RuleActionDto.To), RuleRecipients.All)],
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties: { } properties } || !Fixed.TryGetValue(context.Type, out var vocabularies)) return;
        foreach (var (property, values) in vocabularies)
        {
            // A list of them (scopes, events) declares its items.
            var target = properties[JsonNamingPolicy.SnakeCaseLower.ConvertName(property)] switch
            {
                OpenApiSchema { Items: OpenApiSchema items } => items,
                OpenApiSchema single => single,
                var other => throw new InvalidOperationException($"{context.Type.Name}.{property} is not a string or a list of strings ({other.GetType().Name})."),
            };
            target.Enum = [.. values.Select(value => (JsonNode)JsonValue.Create(value))];
        }
    }

    private static IReadOnlyList<string> ConstantsOf(Type type) =>
        [.. type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)];
}
