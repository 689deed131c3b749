using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Cascade;
using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Draft;
using GreenGateway.Proxy;
using Microsoft.Extensions.Options;

namespace GreenGateway.Speculative;

/// <summary>
/// Tier 3: the draft proposes k tokens, the large model scores them in one call (<see cref="VerifierClient"/>),
/// and the tenant's acceptance rule (<see cref="AcceptanceMode"/>) keeps a prefix plus one token of the large
/// model's own. k adapts to the acceptance rate observed per model (<see cref="AdaptiveSpeculation"/>). A stream
/// receives each round's tokens as soon as they are accepted.
/// </summary>
internal sealed class SpeculativeTier(IOptions<GatewayConfig> options, VerifierClient verifier, EnergyAccountant accountant, DraftModel draft)
{
    public const string Name = CascadeTiers.Speculative;

    private readonly SpeculativeSettings _settings = options.Value.Cascade.Speculative;
    private readonly ConcurrentDictionary<string, AdaptiveSpeculation> _adaptive = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SpeculationValue> _value = new(StringComparer.Ordinal);

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

    /// <summary>The most tokens of an answer, and the room the draft's cache needs for it.</summary>
    public int MaxTokens(GatewayExchange exchange) => exchange.Request.MaxTokens ?? _settings.DefaultMaxTokens;

    public int Room(GatewayExchange exchange) => MaxTokens(exchange) + _settings.MaxK + 1;

    /// <summary>
    /// Answers with speculative decoding; false (nothing written) when the large model could not be reached before
    /// the first byte, so that the request goes on to the large model alone.
    /// </summary>
    public async Task<bool> TryAnswerAsync(HttpContext context, GatewayExchange exchange, DraftRun run, CascadePlan plan)
    {
        var request = exchange.Request;
        var policy = plan.Policy;
        var temperature = Temperature(request.Body["temperature"], policy.Acceptance);
        var seed = request.Body["seed"] is JsonValue s && s.TryGetValue<int>(out var seedValue) ? seedValue : (int?)null;
        var random = seed is { } fixedSeed ? new Random(fixedSeed) : Random.Shared;
        var topLogprobs = policy.Acceptance == AcceptanceMode.Sampling ? _settings.TopLogprobs : 1;
        var adaptive = Adaptive(exchange.Route.Model);
        var max = MaxTokens(exchange);
        var keep = policy.Acceptance == AcceptanceMode.Sampling;
        var decoder = run.Draft.Tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        var stream = request.Stream ? new LocalStream(context, exchange, request.Model) : null;
        var text = new StringBuilder();
        var stats = new Stats();
        double verifierJoules = 0;
        var reported = true;
        string? finish = null;
        exchange.Tier = Name;
        run.ResetConfidence();

        while (finish is null)
        {
            var remaining = max - run.Output.Count;
            var draftBefore = run.CpuSeconds;
            if (run.Pending.Count == 0)
            {
                var k = Math.Min(Math.Min(adaptive.NextK(), remaining - 1), run.Room - 1);
                for (var i = 0; i < k; i++)
                {
                    if (run.Draft.IsEos(run.ProposeNext(temperature, random, keep)))
                    {
                        break;
                    }
                }
            }

            var sequence = Concat(run.Prompt, run.Output);
            var verification = await verifier.VerifyAsync(exchange.Route.Upstream, exchange.Route.UpstreamModel, sequence, run.Pending,
                temperature, topLogprobs, seed, context.RequestAborted);
            if (verification is null)
            {
                if (stream is null || !stream.Started)
                {
                    exchange.Tier = GatewayExchange.UpstreamTier;
                    return false;
                }

                await stream.FailAsync("The large model stopped answering verification calls in the middle of this answer.");
                return true;
            }

            stats.Calls++;
            stats.Proposed += run.Pending.Count;
            var callJoules = VerifierJoules(exchange, verification, ref reported);
            verifierJoules += callJoules;
            if (run.Pending.Count > 0 && run.CpuSeconds > draftBefore)
            {
                adaptive.ObserveCosts((run.CpuSeconds - draftBefore) * draft.Settings.WattsPerCore * accountant.Pue / run.Pending.Count, callJoules);
            }

            var (accepted, next) = Decide(policy, temperature, run, verification, random);
            stats.Accepted += accepted;
            adaptive.Observe(run.Pending.Count, accepted);
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
                finish = "stop";
            }
            else
            {
                var eos = run.Draft.IsEos(next);
                run.Commit(accepted, next, feed: !eos);
                finish = eos ? "stop" : null;
            }

            if (run.Output.Count >= max && finish is null)
            {
                finish = "length";
            }

            var piece = Emit(run, decoder, before, Math.Min(run.Output.Count, max));
            text.Append(piece);
            if (stream is not null)
            {
                if (!stream.Started)
                {
                    await stream.StartAsync();
                }

                await stream.ContentAsync(piece);
            }
        }

        var tail = decoder.Flush();
        text.Append(tail);
        var completionTokens = Math.Min(run.Output.Count, max);
        var usage = new TokenUsage(run.Prompt.Length, completionTokens, Counted: false);
        var figures = Figures(exchange, run, usage, verifierJoules, reported);
        Value(exchange.Route.Model).Observe(figures.Energy.Joules, figures.BaselineJoules);
        stats.DraftJoules = run.Energy(draft.Settings.WattsPerCore).Joules * accountant.Pue;
        stats.VerifyJoules = verifierJoules;
        exchange.SpeculativeAcceptance = stats.Rate;
        exchange.LocalAnswer = (text.ToString(), finish);
        var extra = stats.ToJson();
        if (stream is not null)
        {
            if (!stream.Started)
            {
                await stream.StartAsync();
            }

            await stream.ContentAsync(tail);
            await stream.FinishAsync(finish, figures, LocalAnswerWriter.Usage(figures, Name, extra));
            return true;
        }

        context.Response.Headers["X-GG-Acceptance-Rate"] = RequestFigures.Format(Math.Round(stats.Rate, 4));
        await LocalAnswerWriter.WriteAsync(context, exchange, request.Model, text.ToString(), finish, figures, usageExtra: extra);
        return true;
    }

    /// <summary>
    /// Greedy and cascade decode at temperature 0 unless the request sets one above 0 (cascade) — greedy is the
    /// large model's greedy output by definition; sampling uses the request's temperature (OpenAI's default 1).
    /// </summary>
    private static double Temperature(JsonNode? requested, AcceptanceMode mode)
    {
        var t = requested is JsonValue v && v.TryGetValue<double>(out var value) ? value : (double?)null;
        return mode switch
        {
            AcceptanceMode.Greedy => 0,
            AcceptanceMode.Sampling => t ?? 1,
            _ => t is > 0 ? t.Value : 0,
        };
    }

    private static (int Accepted, int Next) Decide(CascadePolicy policy, double temperature, DraftRun run, Verification verification, Random random)
    {
        for (var i = 0; i < verification.Tokens.Count; i++)
        {
            var verdict = SpeculativeAcceptance.Decide(policy.Acceptance, policy.Lenience, temperature, verification.Tokens[i], run.PendingDistribution(i), random);
            if (!verdict.Accepted)
            {
                return (i, verdict.Replacement);
            }
        }

        return (verification.Tokens.Count, verification.Next);
    }

    private static string Emit(DraftRun run, Inference.Tokenization.StreamingDecoder decoder, int from, int to)
    {
        var piece = new StringBuilder();
        for (var i = from; i < to; i++)
        {
            if (!run.Draft.IsEos(run.Output[i]))
            {
                piece.Append(decoder.Append(run.Output[i]));
            }
        }

        return piece.ToString();
    }

    private double VerifierJoules(GatewayExchange exchange, Verification verification, ref bool reported)
    {
        // What the large model spent on the call: as it reported, else modelled on the positions it computed.
        if (verification.ReportedJoules is { } joules && accountant.UsesReportedEnergy(exchange.Route))
        {
            return joules * accountant.Pue;
        }

        reported = false;
        return accountant.Price(exchange.Route, new TokenUsage(verification.UncachedPromptTokens, 1, Counted: false), null, exchange.Grid, TimeSpan.Zero).Energy.Joules;
    }

    private RequestFigures Figures(GatewayExchange exchange, DraftRun run, TokenUsage usage, double verifierJoules, bool reported)
    {
        // The verifier's joules are facility energy already; PriceMeasured applies the PUE once to the IT sum.
        var it = run.Energy(draft.Settings.WattsPerCore).Joules + verifierJoules / accountant.Pue;
        var method = reported ? EnergyMethod.UpstreamReported : EnergyMethod.Modelled;
        return accountant.PriceMeasured(new EnergyFigure(it, method), usage, exchange.Grid, accountant.Baseline(exchange.Route, usage));
    }

    private static int[] Concat(int[] prompt, List<int> output)
    {
        var all = new int[prompt.Length + output.Count];
        prompt.CopyTo(all, 0);
        output.CopyTo(all, prompt.Length);
        return all;
    }

    /// <summary>A request's speculation figures, as <c>usage.speculative</c> reports them.</summary>
    private sealed class Stats
    {
        public int Calls;
        public int Proposed;
        public int Accepted;
        public double DraftJoules;
        public double VerifyJoules;

        public double Rate => Proposed == 0 ? 0 : (double)Accepted / Proposed;

        public JsonObject ToJson() => new()
        {
            ["speculative"] = new JsonObject
            {
                ["proposed"] = Proposed,
                ["accepted"] = Accepted,
                ["verify_calls"] = Calls,
                ["acceptance_rate"] = Math.Round(Rate, 4),
                ["k"] = Calls == 0 ? 0 : Math.Round((double)Proposed / Calls, 3),
                ["tokens_per_call"] = Calls == 0 ? 0 : Math.Round((double)(Accepted + Calls) / Calls, 3),
                ["draft_joules"] = Math.Round(DraftJoules, 6),
                ["verify_joules"] = Math.Round(VerifyJoules, 6),
            },
        };
    }
}
