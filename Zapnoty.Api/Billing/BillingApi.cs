using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Zapnoty.Api.Access;
using Zapnoty.Api.Problems;
using Zapnoty.Grains.Billing;
using Zapnoty.Grains.Billing.Payments;
using Zapnoty.Grains.Projects;

namespace Zapnoty.Api.Billing;

/// <summary>This month's credits, and how this server sells more.</summary>
public sealed record BalanceDto(string Month, int FreeCreditsLeft, int PurchasedCredits, int FreeCreditsPerMonth, int CreditsLeft,
    IReadOnlyList<string> PaymentProviders, bool DevelopmentGrants)
{
    public static BalanceDto From(CreditBalance b, PaymentProviders providers, BillingOptions options) =>
        new(b.Month.ToString("yyyy-MM"), b.FreeLeft, b.Purchased, Credits.FreePerMonth, b.FreeLeft + b.Purchased,
            providers.Enabled.Select(p => p.Name).ToList(), options.DevelopmentGrants);
}

/// <summary>One line of the ledger: a month's free grant, a reply's debit (with its ticket and message), a purchase or a refund.</summary>
public sealed record LedgerEntryDto(long Id, DateTime At, string Kind, int Amount, string Month, int FreeAfter, int PurchasedAfter,
    Guid? TicketId, Guid? MessageId, string? Reference)
{
    public static LedgerEntryDto From(LedgerEntry e) => new(e.Id, e.At.UtcDateTime, e.Kind, e.Amount, e.Month.ToString("yyyy-MM"),
        e.FreeAfter, e.PurchasedAfter, e.TicketId, e.MessageId, e.Reference);
}

/// <summary>A pack's price in one currency (<c>amount</c> in major units, e.g. 9.90) and the provider that takes it.</summary>
public sealed record PackPriceDto(string Currency, decimal Amount, string Provider);

/// <summary>A pack of credits on sale; only prices some configured provider takes are listed.</summary>
public sealed record PackDto(string Id, int Credits, IReadOnlyList<PackPriceDto> Prices);

public sealed record PacksDto(IReadOnlyList<PackDto> Items);

/// <summary>Buys <c>pack_id</c> in <c>currency</c> (default: the pack's first currency a provider takes); the browser comes back to <c>return_url</c> (default: the dashboard).</summary>
public sealed record CheckoutRequestDto(string? PackId, string? Currency, string? ReturnUrl);

public sealed record CheckoutDto(Guid PaymentId, string CheckoutUrl);

/// <summary>A checkout and what became of it: pending, succeeded (credits granted), canceled, refunded.</summary>
public sealed record PaymentDto(Guid Id, string Provider, string Status, string PackId, int Credits, decimal Amount, string Currency,
    int CreditsTakenBack, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static PaymentDto From(Payment p) => new(p.Id, p.Provider, p.Status, p.PackId, p.Credits, p.AmountMinor / 100m, p.Currency,
        p.CreditsTakenBack, p.CreatedAt.UtcDateTime, p.UpdatedAt.UtcDateTime);
}

public sealed record GrantRequest(int? Amount, string? Reference);
public sealed record GrantDto(LedgerEntryDto Purchase, BalanceDto Balance);

public static class BillingApi
{
    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/projects/{projectId:guid}/billing").WithTags("Billing").WithProjectAccess();
        api.MapGet("/", Balance);
        api.MapGet("/ledger", Ledger);
        api.MapGet("/packs", Packs);
        api.MapPost("/checkout", Checkout).RequireRole(ProjectRole.Owner).RequireSession()
            .ProducesProblems(StatusCodes.Status409Conflict, StatusCodes.Status502BadGateway);
        api.MapGet("/payments/{paymentId:guid}", Payment);
        // Only for local trials: options validation refuses the switch outside Development.
        if (app.ServiceProvider.GetRequiredService<IOptions<BillingOptions>>().Value.DevelopmentGrants)
            api.MapPost("/credits", DevelopmentGrant).RequireRole(ProjectRole.Owner).RequireSession().ProducesProblems(StatusCodes.Status409Conflict);
        app.MapPaymentWebhooks();
        return app;
    }

    /// <summary>This month's credits (100 free, not carried over, spent before purchased ones; 1 per agent reply) and the payment providers configured.</summary>
    private static async Task<Ok<BalanceDto>> Balance(Guid projectId, IGrainFactory grains, PaymentProviders providers, IOptions<BillingOptions> options) =>
        TypedResults.Ok(BalanceDto.From(await grains.GetGrain<IBillingGrain>(projectId).Balance(), providers, options.Value));

    /// <summary>Grants, debits, purchases and refunds, newest first.</summary>
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

    /// <summary>The credit packs on sale, with their prices in the currencies this server's payment providers take (none without a provider).</summary>
    private static Ok<PacksDto> Packs(PaymentProviders providers, IOptions<BillingOptions> options) =>
        TypedResults.Ok(new PacksDto(options.Value.PacksOnSale
            .Select(pack => new PackDto(pack.Id, pack.Credits,
                providers.Offers(pack).Select(o => new PackPriceDto(o.Currency, o.AmountMinor / 100m, o.Provider.Name)).ToList()))
            .Where(pack => pack.Prices.Count > 0).ToList()));

    /// <summary>
    /// Opens a checkout at the payment provider (owner, in person); send the browser to
    /// <c>checkout_url</c>. Credits arrive only when the provider reports the payment (its webhook).
    /// 409 without a provider for the currency, 502 when the provider fails.
    /// </summary>
    private static async Task<Results<Created<CheckoutDto>, ProblemHttpResult>> Checkout(Guid projectId, CheckoutRequestDto body, Caller caller, IGrainFactory grains)
    {
        new Validation().Required(body.PackId, "pack_id").ThrowIfAny();
        var result = await grains.GetGrain<IBillingGrain>(projectId).Checkout(caller.Actor, body.PackId!, body.Currency, body.ReturnUrl);
        if (result.CheckoutUrl is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: Titles.For(502), detail: result.ProviderError);
        return TypedResults.Created($"/v1/projects/{projectId}/billing/payments/{result.PaymentId}", new CheckoutDto(result.PaymentId, result.CheckoutUrl));
    }

    /// <summary>One checkout and its status, e.g. for the dashboard when the payer comes back.</summary>
    private static async Task<Results<Ok<PaymentDto>, ProblemHttpResult>> Payment(Guid projectId, Guid paymentId, IGrainFactory grains) =>
        await grains.GetGrain<IBillingGrain>(projectId).Payment(paymentId) is { } payment
            ? TypedResults.Ok(PaymentDto.From(payment))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: Titles.For(404), detail: "No such payment in this project.");

    /// <summary>Development only (<c>Zapnoty:Billing:DevelopmentGrants</c>): adds credits without a payment, once per <c>reference</c>.</summary>
    private static async Task<Ok<GrantDto>> DevelopmentGrant(Guid projectId, GrantRequest body, Caller caller, IGrainFactory grains,
        PaymentProviders providers, IOptions<BillingOptions> options)
    {
        new Validation().Required(body.Amount, "amount").Required(body.Reference, "reference").ThrowIfAny();
        var result = await grains.GetGrain<IBillingGrain>(projectId).DevelopmentGrant(caller.Actor, body.Amount!.Value, body.Reference!);
        return TypedResults.Ok(new GrantDto(LedgerEntryDto.From(result.Purchase), BalanceDto.From(result.Balance, providers, options.Value)));
    }
}
