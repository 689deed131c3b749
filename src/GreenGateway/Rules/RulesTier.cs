using GreenGateway.Accounting;
using GreenGateway.Cache;
using GreenGateway.Configuration;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Rules;
using GreenGateway.Proxy;
using GreenGateway.Tenants;

namespace GreenGateway.Rules;

/// <summary>
/// Tier 0: questions a rule answers exactly (arithmetic, unit conversions, dates, greetings, the
/// tenant's policy rules) never reach a model. The answer is charged the energy of running the rules;
/// its baseline is what the model would have cost to produce the same answer.
/// </summary>
internal sealed class RulesTier
{
    public const string Name = "rules";

    private readonly RuleEngine _engine;
    private readonly EnergyAccountant _accountant;
    private readonly CacheSettings _cache;
    private readonly TimeProvider _time;

    public RulesTier(RuleEngine engine, EnergyAccountant accountant, CacheSettings cache, TimeProvider time)
    {
        _engine = engine;
        _accountant = accountant;
        _cache = cache;
        _time = time;

        // The answerers are compiled when the tier is made, not on (and charged to) the first request.
        WarmUp(engine, time.GetUtcNow());
    }

    public async Task<bool> TryAnswerAsync(HttpContext context, GatewayExchange exchange)
    {
        if (exchange.Request.Choices != 1 || CacheTier.LastUserText(exchange.Request) is not { } question)
        {
            return false;
        }

        // The rules run synchronously on this thread: its CPU time is their work, whatever else the machine does.
        var started = ThreadCpuClock.Now();
        var policies = context.Features.Get<TenantFeature>()!.Policies;
        if (_engine.TryAnswer(policies, exchange.Tenant, question, _time.GetUtcNow()) is not { } answer)
        {
            return false;
        }

        var joules = (ThreadCpuClock.Now() - started) * _cache.WattsPerCore;
        var usage = new TokenUsage(exchange.Request.PromptTokenEstimate, TokenEstimator.Estimate(answer.Text), Counted: true);
        var baseline = _accountant.Baseline(exchange.Route, usage);
        var figures = _accountant.PriceMeasured(new EnergyFigure(joules, EnergyMethod.Modelled), usage, exchange.Grid, baseline);
        exchange.Tier = Name;
        context.Response.Headers["X-GG-Rule"] = answer.Rule;
        await LocalAnswerWriter.WriteAsync(context, exchange, exchange.Request.Model, answer.Text, "stop", figures);
        return true;
    }

    /// <summary>
    /// Runs every built-in answerer once at start-up, so that the first request of each kind is not charged (nor
    /// delayed by) the compilation of the answerers' code and patterns, a one-time cost of the process.
    /// </summary>
    private static void WarmUp(RuleEngine engine, DateTimeOffset now)
    {
        var tenant = new TenantPolicy { Id = "warm-up", KeyHashes = [] };
        foreach (var question in (string[])["hello", "What is 12 * (3 + 4.5) / 2?", "What is 15% of 80?", "Convert 5 km to miles", "What is 100 °F in °C?",
                     "What time is it?", "What day of the week is 2024-03-15?"])
        {
            engine.TryAnswer(PolicySet.Empty, tenant, question, now);
        }
    }
}
