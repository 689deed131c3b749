using GreenGateway.Accounting;
using GreenGateway.Cache;
using GreenGateway.Configuration;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Rules;
using GreenGateway.Proxy;
using GreenGateway.Tenants;

namespace GreenGateway.Rules;

/// <summary>
/// Tier 0: questions a rule answers exactly (arithmetic, unit conversions, dates, greetings, the
/// tenant's policy rules) never reach a model. The answer is charged the energy of running the rules;
/// its baseline is what the model would have cost to produce the same answer.
/// </summary>
internal sealed class RulesTier(RuleEngine engine, EnergyAccountant accountant, CacheSettings cache, TimeProvider time)
{
    public const string Name = "rules";

    public async Task<bool> TryAnswerAsync(HttpContext context, GatewayExchange exchange)
    {
        if (exchange.Request.Choices != 1 || CacheTier.LastUserText(exchange.Request) is not { } question)
        {
            return false;
        }

        // The rules run synchronously on this thread: its CPU time is their work, whatever else the machine does.
        var started = Draft.ThreadCpuClock.Now();
        var policies = context.Features.Get<TenantFeature>()!.Policies;
        if (engine.TryAnswer(policies, exchange.Tenant, question, time.GetUtcNow()) is not { } answer)
        {
            return false;
        }

        var joules = (Draft.ThreadCpuClock.Now() - started) * cache.WattsPerCore;
        var usage = new TokenUsage(exchange.Request.PromptTokenEstimate, TokenEstimator.Estimate(answer.Text), Counted: true);
        var baseline = accountant.Baseline(exchange.Route, usage);
        var figures = accountant.PriceMeasured(new EnergyFigure(joules, EnergyMethod.Modelled), usage, exchange.Grid, baseline);
        exchange.Tier = Name;
        context.Response.Headers["X-GG-Rule"] = answer.Rule;
        await LocalAnswerWriter.WriteAsync(context, exchange, exchange.Request.Model, answer.Text, "stop", figures);
        return true;
    }
}
