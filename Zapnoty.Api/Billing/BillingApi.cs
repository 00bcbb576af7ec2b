using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Billing;

public sealed record BalanceDto(string Month, int FreeCreditsLeft, int PurchasedCredits, int FreeCreditsPerMonth, int CreditsLeft)
{
    public static BalanceDto From(CreditBalance b) =>
        new(b.Month.ToString("yyyy-MM"), b.FreeLeft, b.Purchased, Credits.FreePerMonth, b.FreeLeft + b.Purchased);
}

/// <summary>One line of the ledger: a month's free grant, a reply's debit (with its ticket and message), or a purchase.</summary>
public sealed record LedgerEntryDto(long Id, DateTime At, string Kind, int Amount, string Month, int FreeAfter, int PurchasedAfter,
    Guid? TicketId, Guid? MessageId, string? Reference)
{
    public static LedgerEntryDto From(LedgerEntry e) => new(e.Id, e.At.UtcDateTime, e.Kind, e.Amount, e.Month.ToString("yyyy-MM"),
        e.FreeAfter, e.PurchasedAfter, e.TicketId, e.MessageId, e.Reference);
}

public sealed record PurchaseRequest(int? Amount, string? Reference);
public sealed record PurchaseDto(LedgerEntryDto Purchase, BalanceDto Balance);

public static class BillingApi
{
    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/billing").WithTags("Billing").WithProjectAccess();
        api.MapGet("/", Balance);
        api.MapGet("/ledger", Ledger);
        api.MapPost("/credits", Purchase).RequireRole(ProjectRole.Owner).RequireSession();
        return app;
    }

    /// <summary>This month's credits: 100 free (not carried over) are spent before purchased ones; 1 per agent reply.</summary>
    private static async Task<Ok<BalanceDto>> Balance(Guid projectId, IGrainFactory grains) =>
        TypedResults.Ok(BalanceDto.From(await grains.GetGrain<IBillingGrain>(projectId).Balance()));

    /// <summary>Grants, debits and purchases, newest first.</summary>
    private static async Task<Ok<Page<LedgerEntryDto>>> Ledger(Guid projectId, BillingStore billing, int? limit, string? cursor,
        CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var take = Paging.Limit(limit, validation);
        var before = Paging.DecodeNumber(cursor, validation);
        validation.ThrowIfAny();
        var entries = await billing.Ledger(projectId, before, take + 1, cancellationToken);
        var items = entries.Take(take).Select(LedgerEntryDto.From).ToList();
        return TypedResults.Ok(new Page<LedgerEntryDto>(items, entries.Count > take ? Paging.Encode(items[^1].Id.ToString()) : null));
    }

    /// <summary>
    /// Adds purchased credits (stands in for a payment provider's callback). Idempotent on
    /// <c>reference</c>: a repeated call answers the same purchase and adds nothing.
    /// </summary>
    private static async Task<Ok<PurchaseDto>> Purchase(Guid projectId, PurchaseRequest body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.Amount, "amount").Required(body.Reference, "reference").ThrowIfAny();
        var result = await grains.GetGrain<IBillingGrain>(projectId).Purchase(caller.Actor, body.Amount!.Value, body.Reference!);
        return TypedResults.Ok(new PurchaseDto(LedgerEntryDto.From(result.Purchase), BalanceDto.From(result.Balance)));
    }
}
