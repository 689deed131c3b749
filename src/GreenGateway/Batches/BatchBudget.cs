using System.Globalization;
using GreenGateway.Accounting;
using GreenGateway.Core.Batches;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;
using GreenGateway.Upstreams;

namespace GreenGateway.Batches;

/// <summary>
/// The whole-batch hold of a tenant with <c>batches.budget: reserve_whole</c> (docs/batches.md, "Budgets"): at creation,
/// the estimate of every valid request (each priced as admission prices a live one: its model's route, its
/// <c>max_tokens</c> or the learned answer length, the grid of the model's region now) is reserved in the ledger under one
/// id, in every budget window, and must fit whole: the ledger admits it while no window is spent, and then every limited
/// window's consumed + reserved, the hold included, must still be within its limit, or the hold is released and creation
/// refused (429 <c>insufficient_quota</c>, code <c>batch_budget_exceeded</c>). The executor settles it when the batch ends.
/// </summary>
internal sealed class BatchBudget(IBudgetLedger ledger, EnergyAccountant accountant, ModelCatalog catalog)
{
    public static string HoldId(string batchId) => "batch-hold-" + batchId;

    /// <summary>The hold (null when the lines would cost nothing, e.g. none resolves), or the refusal.</summary>
    public async Task<(BatchHold? Hold, RequestError? Refused)> HoldAsync(TenantPolicy tenant, string batchId, string endpoint, IReadOnlyList<BatchLine> lines,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var estimate = await EstimateAsync(endpoint, lines, now, cancellationToken);
        if (estimate.Joules <= 0 && estimate.GramsCo2e <= 0)
        {
            return (null, null);
        }

        var id = HoldId(batchId);

        // Never cancelled once sent: a hold the ledger made must be released here if it is not kept.
        var outcome = await ledger.ReserveAsync(new ReserveRequest(tenant.Id, id, estimate, tenant.Limits, now), CancellationToken.None);
        if (outcome.Reservation is not { } reservation)
        {
            return (null, Refusal(tenant, estimate, outcome.SpentWindow!.Value, "is spent"));
        }

        var hold = new BatchHold(id, estimate.Joules, estimate.GramsCo2e, reservation.ReservedAt);
        var kept = false;
        try
        {
            var windows = await ledger.GetUsageAsync(tenant.Id, now, CancellationToken.None);
            foreach (var limit in tenant.Limits)
            {
                foreach (var usage in windows)
                {
                    var used = usage.Consumed + usage.Reserved;
                    if (usage.Span.Window == limit.Window && (used.Joules > limit.EnergyJoules || used.GramsCo2e > limit.CarbonGrams))
                    {
                        return (null, Refusal(tenant, estimate, limit.Window, "has not that much left"));
                    }
                }
            }

            kept = true;
            return (hold, null);
        }
        finally
        {
            if (!kept)
            {
                await ledger.SettleAsync(hold.AsReservation(tenant.Id), EnergyCarbon.Zero, CancellationToken.None);
            }
        }
    }

    /// <summary>What admission would reserve for each line, summed.</summary>
    private async Task<EnergyCarbon> EstimateAsync(string endpoint, IReadOnlyList<BatchLine> lines, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var kind = BatchLines.KindOf(endpoint) ?? ApiKind.ChatCompletions;
        var grids = new Dictionary<string, CarbonIntensity>(StringComparer.OrdinalIgnoreCase);
        var total = EnergyCarbon.Zero;
        foreach (var line in lines)
        {
            // A line whose model is unknown fails without a cost; its body passed the same parser at creation.
            if (!catalog.TryResolve(line.Model, out var route) || !OpenAiRequest.TryParse(line.Body, kind, out var request, out _))
            {
                continue;
            }

            if (!grids.TryGetValue(route!.Region, out var grid))
            {
                grids[route.Region] = grid = await accountant.IntensityAsync(route.Region, now, cancellationToken);
            }

            total += accountant.Estimate(route, request!, grid).Charge;
        }

        return total;
    }

    private static RequestError Refusal(TenantPolicy tenant, EnergyCarbon estimate, BudgetWindow window, string why) => new(
        StatusCodes.Status429TooManyRequests,
        string.Create(CultureInfo.InvariantCulture,
            $"The batch's estimated cost ({estimate.WattHours:0.####} Wh, {estimate.GramsCo2e:0.####} gCO2e) does not fit: the {window.ToString().ToLowerInvariant()} energy/carbon budget of tenant '{tenant.Id}' {why}. Tenant policy batches.budget is reserve_whole: a batch is created only when the whole of it fits."),
        "insufficient_quota", null, "batch_budget_exceeded");
}
