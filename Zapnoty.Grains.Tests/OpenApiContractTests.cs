using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using Xunit.Abstractions;
using Zapnoty.Api.RateLimiting;
using Zapnoty.Grains.Tests.Contract;
using Zapnoty.Grains.Tests.Infrastructure;

namespace Zapnoty.Grains.Tests;

/// <summary>
/// The OpenAPI document a silo serves is the contract integrators build against; it is
/// committed as <c>docs/openapi.json</c>, so every change to it is a visible, reviewed diff.
/// <c>ZAPNOTY_UPDATE_CONTRACT=1</c> rewrites the file (never under <c>CI=true</c>).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OpenApiContractTests(ClusterFixture cluster, ITestOutputHelper output)
{
    public const string UpdateCommand = $"{ContractUpdate.Variable}=1 scripts/test.sh --filter \"FullyQualifiedName~OpenApiContractTests\"";

    private static string SnapshotPath => RepositoryFiles.PathOf("docs", "openapi.json");

    [Fact]
    public async Task The_served_openapi_document_is_the_committed_contract()
    {
        var served = await ServedContract();
        var committed = File.Exists(SnapshotPath) ? await File.ReadAllTextAsync(SnapshotPath) : null;
        if (served == committed) return;

        var changes = committed is null ? ["+ the whole document (docs/openapi.json does not exist yet)"]
            : ContractDiff.Between(JsonNode.Parse(committed)!, JsonNode.Parse(served)!);
        var summary = string.Join("\n", changes.Take(80).Select(line => "  " + line))
            + (changes.Count > 80 ? $"\n  ... and {changes.Count - 80} more" : "")
            + (changes.Count == 0 ? "  (only formatting: the file was edited by hand)" : "");

        if (ContractUpdate.Asked == "1")
        {
            Assert.False(ContractUpdate.InCi,
                $"{ContractUpdate.Variable}=1 under CI=true: CI checks the committed contract and never rewrites it.");
            await File.WriteAllTextAsync(SnapshotPath, served);
            output.WriteLine($"Rewrote {SnapshotPath}:\n{summary}\nReview it with `git diff docs/openapi.json` and commit it.");
            return;
        }
        Assert.Fail($"""
            The OpenAPI document the API serves differs from the committed contract, docs/openapi.json:
            {summary}
            If the change is intended, accept it and commit the file with the change that made it:
              {UpdateCommand}
            If not, a route, a parameter, an answer or a DTO changed by accident.
            """);
    }

    [Fact]
    public async Task The_contract_names_no_host_port_or_setting_of_the_machine_that_served_it()
    {
        var contract = await ServedContract();
        var document = JsonNode.Parse(contract)!.AsObject();
        Assert.False(document.ContainsKey("servers"), "The contract must not name servers: every deployment has its own.");
        var ports = cluster.Silos.Select(s => s.BaseAddress!.Port.ToString()).ToList();
        foreach (var local in new[] { "127.0.0.1", "localhost", "helpdesk.example.com" }.Concat(ports.Select(p => ":" + p)))
            Assert.DoesNotContain(local, contract, StringComparison.OrdinalIgnoreCase);
        // Schema names are what OpenAPI allows (^[a-zA-Z0-9._-]+$), so no assembly version either.
        foreach (var (name, _) in document["components"]!["schemas"]!.AsObject())
            Assert.Matches("^[a-zA-Z0-9._-]+$", name);
        // The published limits are the defaults, not the test cluster's raised write budget.
        Assert.Contains(RateLimits.Published(new RateLimitOptions()), contract);
    }

    [Fact]
    public async Task Asking_for_the_document_again_serves_the_same_document()
    {
        async Task<string> Fetch() => await cluster.Silos[0].GetStringAsync("/swagger/v1/swagger.json");
        var first = await Fetch();
        await Fetch();
        Assert.Equal(first, await Fetch());
    }

    /// <summary>
    /// The document of the test cluster, as a silo with default settings serves it: the test
    /// cluster raises the write budget, which the document's description publishes.
    /// </summary>
    private async Task<string> ServedContract()
    {
        using var response = await cluster.Silos[0].GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var configured = ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services
            .GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var info = document["info"]!.AsObject();
        var description = info["description"]!.GetValue<string>();
        var published = RateLimits.Published(configured);
        Assert.True(description.Contains(published, StringComparison.Ordinal),
            "The document's description no longer carries RateLimits.Published; update how this test puts the default limits in.");
        info["description"] = description.Replace(published, RateLimits.Published(new RateLimitOptions()), StringComparison.Ordinal);
        return ContractSnapshot.Canonical(document);
    }
}
