using System.Globalization;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Requests;
using GreenGateway.Errors;
using GreenGateway.Upstreams;

namespace GreenGateway.Proxy;

internal sealed partial class GatewayProxyMiddleware
{
    private async Task<ModelRoute?> ResolveAsync(HttpContext context, OpenAiRequest request, TenantPolicy tenant)
    {
        if (!catalog.TryResolve(request.Model, out var route))
        {
            // A model that appeared upstream a moment ago: look once more before saying it does not exist.
            await discovery.RefreshIfStaleAsync(context.RequestAborted);
            if (!catalog.TryResolve(request.Model, out route))
            {
                if (catalog.FirstUnreachable() is { } down)
                {
                    await OpenAiErrors.WriteAsync(context, StatusCodes.Status502BadGateway,
                        $"The model '{request.Model}' is not known, and upstream '{down.Upstream}' cannot be reached to list its models: {down.Reason}",
                        "upstream_error", "model", "upstream_unreachable");
                    return null;
                }

                await OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound,
                    $"The model '{request.Model}' does not exist or you do not have access to it.", "invalid_request_error", "model", "model_not_found");
                return null;
            }
        }

        if (!tenant.AllowsModel(request.Model))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status403Forbidden,
                $"The model '{request.Model}' is not allowed for this key.", "invalid_request_error", "model", "model_not_allowed");
            return null;
        }

        return route;
    }

    private async Task<GatewayExchange?> AdmitAsync(HttpContext context, OpenAiRequest request, ModelRoute route, TenantPolicy tenant)
    {
        var now = time.GetUtcNow();
        var grid = await accountant.IntensityAsync(route.Region, now, context.RequestAborted);
        var exchange = new GatewayExchange(request, route, tenant, grid);
        var requestId = Guid.NewGuid().ToString("N");
        context.Response.Headers["X-GG-Request-Id"] = requestId;
        try
        {
            var estimate = accountant.Estimate(route, request, _config.Gateway.DefaultCompletionTokens, grid);
            var outcome = await ledger.ReserveAsync(new ReserveRequest(tenant.Id, requestId, estimate.Charge, tenant.Limits, now), context.RequestAborted);
            if (outcome.Admitted)
            {
                exchange.Reservation = outcome.Reservation;
                return exchange;
            }

            if (tenant.OnExhausted == ExhaustedAction.Downgrade && request.Kind == ApiKind.ChatCompletions
                && draftModel.Serves(route.Model, route.UpstreamModel)
                && (tenant.Cascade.Tiers & GreenGateway.Core.Cascade.CascadeTiers.BelowUpstream) != 0)
            {
                // The budget is spent: the request is served by the tiers below the large model (rules, cache, the
                // draft's answer as final) and still charged, so that usage stays true, but no longer refused.
                exchange.BudgetDowngrade = true;
                exchange.DowngradedFrom = route.Model;
                outcome = await ledger.ReserveAsync(new ReserveRequest(tenant.Id, requestId, estimate.Charge, [], now), context.RequestAborted);
                exchange.Reservation = outcome.Reservation;
                metrics.Downgraded(tenant.Id, route.Model);
                return exchange;
            }

            if (tenant.OnExhausted == ExhaustedAction.Downgrade && tenant.DowngradeTo is { } cheaper
                && cheaper != route.Model && catalog.TryResolve(cheaper, out var cheaperRoute))
            {
                // The budget is spent: the request is served by the cheaper model and still charged, so
                // that usage stays true, but no longer refused.
                exchange.Route = cheaperRoute!;
                exchange.DowngradedFrom = route.Model;
                estimate = accountant.Estimate(cheaperRoute!, request, _config.Gateway.DefaultCompletionTokens, grid);
                outcome = await ledger.ReserveAsync(new ReserveRequest(tenant.Id, requestId, estimate.Charge, [], now), context.RequestAborted);
                exchange.Reservation = outcome.Reservation;
                metrics.Downgraded(tenant.Id, route.Model);
                return exchange;
            }

            var retryAfter = Math.Max(1, (int)Math.Ceiling((outcome.RetryAt!.Value - now).TotalSeconds));
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            metrics.Refused(tenant.Id, route.Model);
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests,
                $"The {outcome.SpentWindow!.Value.ToString().ToLowerInvariant()} energy/carbon budget of tenant '{tenant.Id}' is spent; it resets at {outcome.RetryAt:O}.",
                "insufficient_quota", code: "budget_exhausted");
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.LedgerUnavailable(logger, tenant.Id, e);
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
                "The budget ledger is unavailable; the request was not admitted. Try again shortly.", "server_error", code: "ledger_unavailable");
            return null;
        }
    }

    private Task SettleAsync(HttpContext context, GatewayExchange exchange) =>
        settlement.SettleAsync(exchange, exchange.UpstreamStatus ?? context.Response.StatusCode);
}
