using GreenGateway.Core.Budgets;
using GreenGateway.Telemetry;

namespace GreenGateway.Proxy;

/// <summary>
/// Settles an exchange exactly once: the actual charge to the ledger (nothing for a failure), the
/// metrics and the request's log line. Successful responses settle before their last byte is sent, so
/// that a client reading <c>/v1/usage</c> right after an answer sees it counted.
/// </summary>
internal sealed partial class ExchangeSettlement(IBudgetLedger ledger, GatewayMetrics metrics, ILogger<ExchangeSettlement> logger)
{
    public async Task SettleAsync(GatewayExchange exchange, int status)
    {
        if (exchange.Settled)
        {
            return;
        }

        exchange.Settled = true;
        var charged = status is >= 200 and < 300 && exchange.Figures is { } figures ? figures.Charge : EnergyCarbon.Zero;
        if (exchange.Reservation is { } reservation)
        {
            try
            {
                await ledger.SettleAsync(reservation, charged, CancellationToken.None);
            }
            catch (Exception e)
            {
                Log.SettleFailed(logger, exchange.Tenant.Id, e);
            }
        }

        metrics.Completed(exchange, status);
        Log.Completed(logger, exchange.Tenant.Id, exchange.Route.Model, exchange.Tier, status,
            exchange.Figures?.Usage.PromptTokens ?? 0, exchange.Figures?.Usage.CompletionTokens ?? 0,
            charged.Joules, charged.GramsCo2e, exchange.Elapsed.TotalMilliseconds);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
            Message = "{Tenant} {Model} tier={Tier} status={Status} prompt={PromptTokens} completion={CompletionTokens} energy={Joules:0.###}J carbon={Grams:0.######}g in {Milliseconds:0.#}ms")]
        public static partial void Completed(ILogger logger, string tenant, string model, string tier, int status, int promptTokens, int completionTokens, double joules, double grams, double milliseconds);

        [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "The budget ledger failed to settle a request of tenant {Tenant}")]
        public static partial void SettleFailed(ILogger logger, string tenant, Exception exception);
    }
}
