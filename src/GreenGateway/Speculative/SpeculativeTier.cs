using System.Collections.Concurrent;
using System.Text;
using GreenGateway.Accounting;
using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Draft;
using Microsoft.Extensions.Options;

namespace GreenGateway.Speculative;

/// <summary>
/// Tier 3: the draft proposes k tokens, the large model scores them in one call (<see cref="IVerifier"/>),
/// and the tenant's acceptance rule (<see cref="AcceptanceMode"/>) keeps a prefix plus one token of the large
/// model's own. k adapts to the acceptance rate observed per model (<see cref="AdaptiveSpeculation"/>). The first
/// round is verified before the tier answers (a large model that cannot be reached declines, so the request goes on
/// to it alone); the answer then produces each round's tokens as soon as they are accepted.
/// </summary>
internal sealed class SpeculativeTier(IOptions<GatewayConfig> options, IVerifier verifier, EnergyAccountant accountant, DraftModel draft, DraftTier drafts) : ITier
{
    public const string Name = CascadeTiers.Speculative;

    private readonly SpeculativeSettings _settings = options.Value.Cascade.Speculative;
    private readonly IVerifier _verifier = verifier;
    private readonly EnergyAccountant _accountant = accountant;
    private readonly DraftModel _draft = draft;
    private readonly ConcurrentDictionary<string, AdaptiveSpeculation> _adaptive = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SpeculationValue> _value = new(StringComparer.Ordinal);

    public CascadeTier Tier => CascadeTier.Speculative;

    /// <summary>The acceptance statistics of <paramref name="model"/> (created on first use).</summary>
    public AdaptiveSpeculation Adaptive(string model) => _adaptive.GetOrAdd(model, _ =>
        new AdaptiveSpeculation(_settings.MinK, _settings.MaxK, _settings.InitialAcceptanceRate, _settings.DraftCostRatio));

    /// <summary>Whether speculation has been saving energy for <paramref name="model"/> (created on first use).</summary>
    public SpeculationValue Value(string model) => _value.GetOrAdd(model, _ => new SpeculationValue(probeFraction: _settings.ProbeFraction));

    /// <summary>
    /// Whether this request should be speculated: always, unless <see cref="SpeculativeSettings.RequireSavings"/> and
    /// the model's speculative answers have cost more than the large model alone (then a probe share only).
    /// </summary>
    public bool ShouldSpeculate(string model) => !_settings.RequireSavings || Value(model).ShouldSpeculate();

    public async ValueTask<TierResult> TryAnswerAsync(TierRequest request, CancellationToken cancellationToken)
    {
        // The draft's run when it tried to answer alone (its tokens are the first proposal), else a run of our own.
        var run = request.Handover as DraftRun ?? drafts.Start(request, DraftTier.SpeculativeRoom(request, _settings));
        if (run is null)
        {
            return TierResult.Declined;
        }

        var own = !ReferenceEquals(run, request.Handover);
        var speculation = new Speculation(this, request, run);
        if (!await speculation.RoundAsync(cancellationToken))
        {
            // The large model could not verify: it answers alone.
            return own ? TierResult.DeclinedWith(run) : TierResult.Declined;
        }

        return TierResult.Answered(TierAnswer.Produced(Name, request.Request.Model, speculation.ProduceAsync, own ? run : null));
    }

    /// <summary>
    /// Greedy and cascade decode at temperature 0 unless the request sets one above 0 (cascade): greedy is the
    /// large model's greedy output by definition; sampling uses the request's temperature (OpenAI's default 1).
    /// </summary>
    private static double Temperature(double? requested, AcceptanceMode mode) => mode switch
    {
        AcceptanceMode.Greedy => 0,
        AcceptanceMode.Sampling => requested ?? 1,
        _ => requested is > 0 ? requested.Value : 0,
    };

    /// <summary>One request's speculative decoding: its rounds so far, their tokens, text and energy.</summary>
    private sealed class Speculation
    {
        private readonly SpeculativeTier _tier;
        private readonly TierRequest _request;
        private readonly DraftRun _run;
        private readonly double _temperature;
        private readonly int? _seed;
        private readonly Random _random;
        private readonly int _topLogprobs;
        private readonly AdaptiveSpeculation _adaptive;
        private readonly int _max;
        private readonly bool _keep;
        private readonly Inference.Tokenization.StreamingDecoder _decoder;
        private readonly StringBuilder _pending = new();
        private double _verifierIt;
        private bool _reported = true;
        private int _calls;
        private int _proposed;
        private int _accepted;
        private string? _finish;

        public Speculation(SpeculativeTier tier, TierRequest request, DraftRun run)
        {
            _tier = tier;
            _request = request;
            _run = run;
            var policy = request.Plan.Policy;
            _temperature = Temperature(request.Request.Parameters.Temperature, policy.Acceptance);
            _seed = request.Request.Parameters.Seed is { } s ? unchecked((int)s) : null;
            _random = _seed is { } fixedSeed ? new Random(fixedSeed) : Random.Shared;
            _topLogprobs = policy.Acceptance == AcceptanceMode.Sampling ? tier._settings.TopLogprobs : 1;
            _adaptive = tier.Adaptive(request.Route.Model);
            _max = request.Request.MaxTokens ?? tier._settings.DefaultMaxTokens;
            _keep = policy.Acceptance == AcceptanceMode.Sampling;
            _decoder = run.Draft.Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
            run.ResetConfidence();
        }

        /// <summary>Writes the first round's tokens, then runs rounds until the answer ends or the large model stops answering.</summary>
        public async ValueTask<AnswerEnd> ProduceAsync(IAnswerSink sink, CancellationToken cancellationToken)
        {
            while (true)
            {
                await sink.WriteAsync(TakePending(), cancellationToken);
                if (_finish is not null)
                {
                    var tail = _decoder.Flush();
                    await sink.WriteAsync(tail, cancellationToken);
                    return End(_finish, null);
                }

                if (!await RoundAsync(cancellationToken))
                {
                    return End(null, "The large model stopped answering verification calls in the middle of this answer.");
                }
            }
        }

        /// <summary>One round: propose (unless the draft's tokens are pending), verify, accept. False when verification failed.</summary>
        public async ValueTask<bool> RoundAsync(CancellationToken cancellationToken)
        {
            var run = _run;
            var remaining = _max - run.Output.Count;
            var draftBefore = run.CpuSeconds;
            if (run.Pending.Count == 0)
            {
                var k = Math.Min(Math.Min(_adaptive.NextK(), remaining - 1), run.Room - 1);
                for (var i = 0; i < k; i++)
                {
                    if (run.Draft.IsEos(run.ProposeNext(_temperature, _random, _keep)))
                    {
                        break;
                    }
                }
            }

            var sequence = Concat(run.Prompt, run.Output);
            var verification = await _tier._verifier.VerifyAsync(_request.Route, sequence, run.Pending, _temperature, _topLogprobs, _seed, cancellationToken);
            if (verification is null)
            {
                return false;
            }

            _calls++;
            _proposed += run.Pending.Count;
            var callIt = VerifierIt(verification);
            _verifierIt += callIt;
            if (run.Pending.Count > 0 && run.CpuSeconds > draftBefore)
            {
                _adaptive.ObserveCosts((run.CpuSeconds - draftBefore) * _tier._draft.Settings.WattsPerCore / run.Pending.Count, callIt);
            }

            var (accepted, next) = Decide(verification);
            _accepted += accepted;
            _adaptive.Observe(run.Pending.Count, accepted);
            var before = run.Output.Count;
            var endsAtAccepted = -1;
            for (var i = 0; i < accepted; i++)
            {
                if (run.Draft.IsEos(run.Pending[i]))
                {
                    endsAtAccepted = i;
                    break;
                }
            }

            if (endsAtAccepted >= 0)
            {
                run.Commit(endsAtAccepted, run.Pending[endsAtAccepted], feed: false);
                _finish = "stop";
            }
            else
            {
                var eos = run.Draft.IsEos(next);
                run.Commit(accepted, next, feed: !eos);
                _finish = eos ? "stop" : null;
            }

            if (run.Output.Count >= _max && _finish is null)
            {
                _finish = "length";
            }

            for (var i = before; i < Math.Min(run.Output.Count, _max); i++)
            {
                if (!run.Draft.IsEos(run.Output[i]))
                {
                    _pending.Append(_decoder.Append(run.Output[i]));
                }
            }

            return true;
        }

        private string TakePending()
        {
            var text = _pending.ToString();
            _pending.Clear();
            return text;
        }

        private AnswerEnd End(string? finish, string? failure)
        {
            var usage = new TokenUsage(_run.Prompt.Length, Math.Min(_run.Output.Count, _max), Counted: false);
            var draftIt = _run.Energy(_tier._draft.Settings.WattsPerCore).Joules;
            var it = draftIt + _verifierIt;
            var pue = _tier._accountant.Pue;
            // Judged only against an observed counterfactual: a modelled one never drives a decision.
            if (failure is null && _tier._accountant.Baseline(_request.Route, usage) is { Method: BaselineMethod.Observed } baseline)
            {
                _tier.Value(_request.Route.Model).Observe(it * pue, baseline.Joules);
            }

            var method = _reported ? EnergyMethod.UpstreamReported : EnergyMethod.Modelled;
            return new AnswerEnd(finish, usage, new TierWork(it, method))
            {
                Failure = failure,
                Speculative = new SpeculativeStats(_proposed, _accepted, _calls, draftIt * pue, _verifierIt * pue),
            };
        }

        private (int Accepted, int Next) Decide(Verification verification)
        {
            var policy = _request.Plan.Policy;
            for (var i = 0; i < verification.Tokens.Count; i++)
            {
                var verdict = SpeculativeAcceptance.Decide(policy.Acceptance, policy.Lenience, _temperature, verification.Tokens[i], _run.PendingDistribution(i), _random);
                if (!verdict.Accepted)
                {
                    return (i, verdict.Replacement);
                }
            }

            return (verification.Tokens.Count, verification.Next);
        }

        /// <summary>What the large model spent on one call (IT): as it reported when that is plausible, else modelled on the positions it computed.</summary>
        private double VerifierIt(Verification verification)
        {
            var usage = new TokenUsage(verification.UncachedPromptTokens, 1, Counted: false);
            if (verification.ReportedJoules is { } joules && _tier._accountant.UsesReportedEnergy(_request.Route) && _tier._accountant.PlausibleReport(_request.Route, usage, joules))
            {
                return joules;
            }

            _reported = false;
            return _tier._accountant.ModelledIt(_request.Route, usage);
        }

        private static int[] Concat(int[] prompt, List<int> output)
        {
            var all = new int[prompt.Length + output.Count];
            prompt.CopyTo(all, 0);
            output.CopyTo(all, prompt.Length);
            return all;
        }
    }
}
