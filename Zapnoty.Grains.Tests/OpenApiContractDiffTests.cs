using System.Text.Json.Nodes;
using Zapnoty.Grains.Tests.Contract;

namespace Zapnoty.Grains.Tests;

/// <summary>What a reviewer reads when the contract changed, and the form the contract is committed in.</summary>
public sealed class OpenApiContractDiffTests
{
    private const string Committed = """
        {
          "openapi": "3.0.4",
          "paths": {
            "/v1/tickets": {
              "get": {
                "parameters": [{ "name": "limit", "in": "query" }],
                "responses": { "200": { "description": "OK" }, "404": { "description": "Not found" } }
              }
            },
            "/v1/gone": { "delete": { "responses": { "204": { "description": "No content" } } } }
          },
          "components": {
            "schemas": {
              "Ticket": { "type": "object", "properties": { "id": { "type": "string" }, "subject": { "type": "string" } } },
              "Old": { "type": "object" }
            }
          }
        }
        """;

    private const string Served = """
        {
          "openapi": "3.0.4",
          "paths": {
            "/v1/tickets": {
              "get": {
                "parameters": [{ "name": "limit", "in": "query" }, { "name": "cursor", "in": "query" }],
                "responses": { "200": { "description": "The page" }, "429": { "description": "Too many" } }
              },
              "post": { "responses": { "201": { "description": "Created" } } }
            },
            "/v1/new": { "get": { "responses": { "200": { "description": "OK" } } } }
          },
          "components": {
            "schemas": {
              "Ticket": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" }, "status": { "type": "string" } } },
              "New": { "type": "object" }
            }
          }
        }
        """;

    [Fact]
    public void A_contract_change_is_summarised_by_path_operation_parameter_response_and_schema()
    {
        var changes = ContractDiff.Between(JsonNode.Parse(Committed)!, JsonNode.Parse(Served)!);
        Assert.Equal(new[]
        {
            "- path /v1/gone",
            "+ path /v1/new: GET",
            "~ response 200 of GET /v1/tickets",
            "- response 404 of GET /v1/tickets",
            "+ response 429 of GET /v1/tickets",
            "+ parameter query:cursor of GET /v1/tickets",
            "+ operation POST /v1/tickets",
            "+ schema New",
            "- schema Old",
            "~ schema Ticket: +status -subject ~(required)",
        }, changes);
    }

    [Fact]
    public void The_committed_form_sorts_keys_keeps_array_order_and_ends_with_a_newline()
    {
        var canonical = ContractSnapshot.Canonical(JsonNode.Parse("""{"b":1,"a":{"y":["z","é"],"x":null}}""")!);
        Assert.Equal("{\n  \"a\": {\n    \"x\": null,\n    \"y\": [\n      \"z\",\n      \"é\"\n    ]\n  },\n  \"b\": 1\n}\n", canonical);
        Assert.Equal(canonical, ContractSnapshot.Canonical(JsonNode.Parse(canonical)!));
    }
}
