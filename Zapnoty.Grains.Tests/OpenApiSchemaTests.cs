using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Zapnoty.Grains.Access;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.Billing.Payments;
using Zapnoty.Grains.Tests.Infrastructure;
using Zapnoty.Grains.Webhooks;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The OpenAPI document the API serves tells what its JSON really is, so a client generated
/// from it (the dashboard's, an integrator's) needs no guards and no hand-declared types.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class OpenApiSchemaTests(ClusterFixture cluster)
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<JsonElement> Document() =>
        JsonDocument.Parse(await cluster.Silos[0].GetStringAsync("/swagger/v1/swagger.json")).RootElement;

    private static JsonElement Schema(JsonElement document, string id) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(id);

    private static string[] Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];

    private static bool Nullable(JsonElement property) =>
        property.TryGetProperty("nullable", out var nullable) && nullable.GetBoolean();

    private static string[] Enum(JsonElement schema) => [.. schema.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];

    private static string[] Constants(Type type) =>
        [.. type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();

    [Fact]
    public async Task Every_parameter_in_every_path_is_declared_as_a_required_path_parameter()
    {
        var document = await Document();
        var missing = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                var declared = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path" && p.GetProperty("required").GetBoolean())
                        .Select(p => p.GetProperty("name").GetString()).ToHashSet()
                    : [];
                foreach (Match match in PathParameter().Matches(path.Name))
                    if (!declared.Contains(match.Groups[1].Value)) missing.Add($"{operation.Name} {path.Name}: {match.Groups[1].Value}");
            }
        Assert.Empty(missing);

        var render = document.GetProperty("paths").GetProperty("/v1/helpdesk/tickets/{ticketId}/canned-replies/{cannedReplyId}/render").GetProperty("post");
        var ticketId = render.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "ticketId").GetProperty("schema");
        Assert.Equal("uuid", ticketId.GetProperty("format").GetString());
    }

    [Fact]
    public async Task Every_field_of_an_answer_is_required_and_only_what_may_be_null_is_nullable()
    {
        var document = await Document();
        var page = Schema(document, "Api.TicketPage");
        Assert.Equal(["items", "next_cursor"], Required(page).Order());
        Assert.False(Nullable(page.GetProperty("properties").GetProperty("items")));
        Assert.True(Nullable(page.GetProperty("properties").GetProperty("next_cursor")));

        var message = Schema(document, "Grains.Tickets.MessageDto");
        Assert.Contains("text", Required(message));
        Assert.Contains("edited_at", Required(message));
        Assert.False(Nullable(message.GetProperty("properties").GetProperty("text")));
        Assert.True(Nullable(message.GetProperty("properties").GetProperty("edited_at")));
        Assert.Equal(message.GetProperty("properties").EnumerateObject().Count(), Required(message).Length);
    }

    [Fact]
    public async Task Request_bodies_keep_their_optional_fields_optional()
    {
        var document = await Document();
        Assert.Empty(Required(Schema(document, "Api.Billing.CheckoutRequestDto")));
        Assert.Empty(Required(Schema(document, "Api.Tickets.TicketPatch")));
    }

    [Fact]
    public async Task A_reference_to_another_schema_that_may_be_null_is_nullable()
    {
        var document = await Document();
        foreach (var (id, property, target) in new[]
                 {
                     ("Grains.Tickets.TicketDto", "assignee", "Grains.Tickets.AssigneeDto"),
                     ("Api.Projects.ApiKeyDto", "created_by", "Api.Projects.ApiKeyCreatorDto"),
                 })
        {
            var schema = Schema(document, id).GetProperty("properties").GetProperty(property);
            Assert.True(Nullable(schema), $"{id}.{property}");
            Assert.Equal($"#/components/schemas/{target}", schema.GetProperty("allOf")[0].GetProperty("$ref").GetString());
        }
        var customer = Schema(document, "Grains.Tickets.TicketDto").GetProperty("properties").GetProperty("customer");
        Assert.False(Nullable(customer));
    }

    [Fact]
    public async Task The_bot_texts_patch_takes_null_to_reset_a_text()
    {
        var document = await Document();
        var body = document.GetProperty("paths").GetProperty("/v1/projects/{projectId}/channels/texts").GetProperty("patch")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.True(Nullable(body.GetProperty("additionalProperties")));
    }

    [Fact]
    public async Task Fixed_vocabularies_are_declared_as_enums_from_the_code_that_defines_them()
    {
        var document = await Document();
        JsonElement Property(string id, string name) => Schema(document, id).GetProperty("properties").GetProperty(name);

        Assert.Equal(Constants(typeof(PaymentStatus)), Enum(Property("Api.Billing.PaymentDto", "status")));
        Assert.Equal(Constants(typeof(PaymentProviderNames)), Enum(Property("Api.Billing.PaymentDto", "provider")));
        Assert.Equal(Constants(typeof(PaymentProviderNames)), Enum(Property("Api.Billing.PackPriceDto", "provider")));
        Assert.Equal(Constants(typeof(LedgerKinds)), Enum(Property("Api.Billing.LedgerEntryDto", "kind")));
        Assert.Equal(ApiKeyScopes.All, Enum(Property("Api.Projects.ApiKeyDto", "scopes").GetProperty("items")));
        Assert.Equal(ApiKeyScopes.All, Enum(Property("Api.Projects.CreateApiKeyRequest", "scopes").GetProperty("items")));
        string[] events = [.. TicketEventTypes.Every, .. BillingEventTypes.Every];
        Assert.Equal([TicketEventTypes.All, .. events], Enum(Property("Api.Webhooks.WebhookDto", "events").GetProperty("items")));
        Assert.Equal(events, Enum(Property("Api.Webhooks.DeliveryDto", "event_type")));
        Assert.Equal(["new", "in_progress", "waiting", "closed"], Enum(Schema(document, "Grains.Tickets.TicketStatus")));
    }

    [Fact]
    public async Task Schema_ids_are_readable_and_do_not_carry_the_assembly_version()
    {
        var document = await Document();
        var ids = document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => s.Name).ToList();
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9._-]+$", id));
        Assert.Contains("Api.TicketPage", ids);
        Assert.Contains("Api.ApiKeyPage", ids);
    }

    [Fact]
    public async Task Development_only_routes_are_left_out_of_the_document()
    {
        var document = await Document();
        Assert.DoesNotContain(document.GetProperty("paths").EnumerateObject(), path => path.Name.EndsWith("/billing/credits", StringComparison.Ordinal));
        Assert.False(document.GetProperty("components").GetProperty("schemas").TryGetProperty("Api.Billing.GrantRequest", out _));
    }
}
