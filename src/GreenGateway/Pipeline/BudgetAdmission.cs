using System.Globalization;
using GreenGateway.Accounting;
using GreenGateway.Configuration;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;
using GreenGateway.Draft;
using GreenGateway.Telemetry;
using GreenGateway.Upstreams;
using Microsoft.Extensions.Options;

namespace GreenGateway.Pipeline;

/// <summary>A refusal: the error, and the Retry-After header's seconds where the client may try again.</summary>
internal sealed record Refusal(RequestError Error, int? RetryAfterSeconds = null)
{
    public Task WriteAsync(HttpContext context)
    {
        if (RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return Errors.OpenAiErrors.WriteAsync(context, Error);
    }
}

/// <summary>
/// Step 3: reserves the request's estimated cost in every budget window of its tenant. A spent budget refuses (429)
/// or downgrades (on_exhausted: downgrade): to the tiers below the large model where the draft serves the model,
/// else to a cheaper model. A refusal says whether the budget is spent (Retry-After: the window's end) or only held
/// by requests in flight (Retry-After: a few seconds).
/// </summary>
internal sealed partial class BudgetAdmission(IBudgetLedger ledger, EnergyAccountant accountant, ModelCatalog catalog, DraftModel draft,
    GatewayMetrics metrics, Dashboard.ActivityRecorder activity, TimeProvider time, IOptions<GatewayConfig> options, ILogger<BudgetAdmission> logger)
{
    private readonly GatewayOptions _gateway = options.Value.Gateway;

    /// <param name="batchHeld">A batch request on its batch's whole-batch hold: admitted without a reservation of its own; the
    /// batch settles what it cost against the hold when it ends (docs/batches.md, "Budgets").</param>
    public async Task<(Admission? Admitted, Refusal? Refused)> AdmitAsync(OpenAiRequest request, ModelRoute route, TenantPolicy tenant, string requestId,
        CancellationToken cancellationToken, bool batchHeld = false)
    {
        var now = time.GetUtcNow();
        var grid = await accountant.IntensityAsync(route.Region, now, cancellationToken);
        try
        {
            var estimate = accountant.Estimate(route, request, grid).Charge;
            if (batchHeld)
            {
                return (new Admission(HeldByBatch.Instance, new Reservation(tenant.Id, requestId, estimate, now), route, grid, logger), null);
            }

            // Never cancelled once sent: a reservation the ledger made must reach its owner, or it would outlive the request.
            var outcome = await ledger.ReserveAsync(new ReserveRequest(tenant.Id, requestId, estimate, tenant.Limits, now), CancellationToken.None);
            if (outcome.Reservation is { } granted)
            {
                return (new Admission(ledger, granted, route, grid, logger), null);
            }

            if (tenant.OnExhausted == ExhaustedAction.Downgrade && request.LocalTiersMayAnswer
                && draft.Serves(route.Model, route.UpstreamModel) && (tenant.Cascade.Tiers & CascadeTiers.BelowUpstream) != 0)
            {
                // The budget is spent: the request is served by the tiers below the large model (rules, cache, the
                // draft's answer as final) and still charged, so that usage stays true, but no longer refused.
                var below = await ledger.ReserveAsync(new ReserveRequest(tenant.Id, requestId, estimate, [], now), CancellationToken.None);
                metrics.Downgraded(tenant.Id, route.Model);
                activity.Downgraded(tenant.Id, route.Model);
                return (new Admission(ledger, below.Reservation!, route, grid, logger) { BelowUpstreamOnly = true }, null);
            }

            // A pass-through path has no cheaper model: a spent budget refuses it.
            if (tenant.OnExhausted == ExhaustedAction.Downgrade && request.Kind != ApiKind.PassThrough && tenant.DowngradeTo is { } cheaper
                && cheaper != route.Model && catalog.TryResolve(cheaper, out var cheaperRoute))
            {
                // The budget is spent: the request is served by the cheaper model and still charged, so that usage
                // stays true, but no longer refused.
                var cheaperEstimate = accountant.Estimate(cheaperRoute!, request, grid).Charge;
                var downgraded = await ledger.ReserveAsync(new ReserveRequest(tenant.Id, requestId, cheaperEstimate, [], now), CancellationToken.None);
                metrics.Downgraded(tenant.Id, route.Model);
                activity.Downgraded(tenant.Id, route.Model);
                return (new Admission(ledger, downgraded.Reservation!, cheaperRoute!, grid, logger) { DowngradedFrom = route.Model }, null);
            }

            metrics.Refused(tenant.Id, route.Model);
            activity.Refused(tenant.Id, route.Model);
            return (null, await RefusalAsync(tenant, outcome, now));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.LedgerUnavailable(logger, tenant.Id, e);
            return (null, new Refusal(new RequestError(StatusCodes.Status503ServiceUnavailable,
                "The budget ledger is unavailable; the request was not admitted. Try again shortly.", "server_error", null, "ledger_unavailable")));
        }
    }

    /// <summary>
    /// Spent, or only held: when no window's consumption alone reaches its limit, requests in flight hold the rest of
    /// the budget, and what they do not use comes back when they settle, in seconds, not at the window's end.
    /// </summary>
    private async Task<Refusal> RefusalAsync(TenantPolicy tenant, ReserveOutcome outcome, DateTimeOffset now)
    {
        var windows = await ledger.GetUsageAsync(tenant.Id, now, CancellationToken.None);
        WindowSpan? spent = null;
        foreach (var limit in tenant.Limits)
        {
            foreach (var usage in windows)
            {
                if (usage.Span.Window == limit.Window && limit.IsSpent(usage.Consumed) && (spent is null || usage.Span.End > spent.Value.End))
                {
                    spent = usage.Span;
                }
            }
        }

        if (spent is not { } window)
        {
            var name = outcome.SpentWindow!.Value.ToString().ToLowerInvariant();
            return new Refusal(new RequestError(StatusCodes.Status429TooManyRequests,
                $"Requests of tenant '{tenant.Id}' in flight have reserved the rest of its {name} energy/carbon budget; what they do not use is returned as they finish. Retry shortly.",
                "insufficient_quota", null, "budget_reserved"), _gateway.InFlightRetryAfterSeconds);
        }

        // Rounded up: a retry before the window's end would be refused again.
        var retryAfter = (int)Math.Max(1, Math.Ceiling((window.End - now).TotalSeconds));
        return new Refusal(new RequestError(StatusCodes.Status429TooManyRequests,
            $"The {window.Window.ToString().ToLowerInvariant()} energy/carbon budget of tenant '{tenant.Id}' is spent; it resets at {window.End.ToString("O", CultureInfo.InvariantCulture)}.",
            "insufficient_quota", null, "budget_exhausted"), retryAfter);
    }

    /// <summary>
    /// The ledger of a request that runs on its batch's hold: the hold already holds its budget, so it reserves nothing
    /// and its settle changes nothing here; the batch settles the hold once, at what its held requests cost.
    /// </summary>
    private sealed class HeldByBatch : IBudgetLedger
    {
        public static readonly HeldByBatch Instance = new();

        public ValueTask<ReserveOutcome> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException("A held batch request reserves nothing.");

        public ValueTask SettleAsync(Reservation reservation, EnergyCarbon actual, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<WindowUsage>> GetUsageAsync(string tenantId, DateTimeOffset now, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<WindowUsage>>([]);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "The budget ledger failed to admit a request of tenant {Tenant}")]
        public static partial void LedgerUnavailable(ILogger logger, string tenant, Exception exception);
    }
}
