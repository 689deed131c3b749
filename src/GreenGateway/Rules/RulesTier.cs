using GreenGateway.Accounting;
using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Policies;
using GreenGateway.Core.Rules;

namespace GreenGateway.Rules;

/// <summary>
/// Tier 0: questions a rule answers exactly (arithmetic, unit conversions, dates, greetings, the
/// tenant's policy rules) never reach a model. The answer is charged the energy of running the rules;
/// its baseline is what the model would have cost to produce the same answer.
/// </summary>
internal sealed class RulesTier : ITier
{
    public const string Name = CascadeTiers.Rules;

    private readonly RuleEngine _engine;
    private readonly CacheSettings _cache;
    private readonly TimeProvider _time;

    public RulesTier(RuleEngine engine, CacheSettings cache, TimeProvider time)
    {
        _engine = engine;
        _cache = cache;
        _time = time;

        // The answerers are compiled when the tier is made, not on (and charged to) the first request.
        WarmUp(engine, time.GetUtcNow());
    }

    public CascadeTier Tier => CascadeTier.Rules;

    public ValueTask<TierResult> TryAnswerAsync(TierRequest request, CancellationToken cancellationToken)
    {
        if (!request.Request.LocalTiersMayAnswer || request.Request.LastUserText is not { } question)
        {
            return ValueTask.FromResult(TierResult.Declined);
        }

        // The rules run synchronously on this thread: its CPU time is their work, whatever else the machine does.
        var started = ThreadCpuClock.Now();
        if (_engine.TryAnswer(request.Policies, request.Tenant, question, _time.GetUtcNow()) is not { } answer)
        {
            return ValueTask.FromResult(TierResult.Declined);
        }

        var joules = (ThreadCpuClock.Now() - started) * _cache.WattsPerCore;
        var usage = new TokenUsage(request.Request.PromptTokenEstimate, TokenEstimator.Estimate(answer.Text), Counted: true);
        var end = new AnswerEnd("stop", usage, new TierWork(joules, EnergyMethod.Modelled));
        return ValueTask.FromResult(TierResult.Answered(TierAnswer.Whole(Name, request.Request.Model, answer.Text, end, new TierDetails { Rule = answer.Rule })));
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
