using System.Collections.Concurrent;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;
using GreenGateway.Telemetry;

namespace GreenGateway.Accounting;

/// <summary>
/// Prices requests in joules and grams: an estimate at admission, the actual figure at completion. Figures an upstream
/// reports are checked against what the request could have cost before they are charged (<see cref="PriceUpstream"/>).
/// </summary>
internal sealed partial class EnergyAccountant(EnergyModel energy, CarbonCalculator carbon, ICarbonIntensitySource intensity,
    Microsoft.Extensions.Options.IOptions<Configuration.GatewayConfig> options, Counterfactual counterfactual, GatewayMetrics metrics, ILogger<EnergyAccountant> logger)
{
    private readonly Configuration.GatewayConfig _config = options.Value;
    private readonly ConcurrentDictionary<string, CompletionLengthEstimate> _lengths = new(StringComparer.Ordinal);

    public ValueTask<CarbonIntensity> IntensityAsync(string region, DateTimeOffset at, CancellationToken cancellationToken) =>
        intensity.GetAsync(region, at, cancellationToken);

    /// <summary>Completion tokens reserved for a request without max_tokens whose answers are not learned (<c>Gateway.DefaultCompletionTokens</c>).</summary>
    public int DefaultCompletionTokens => _config.Gateway.DefaultCompletionTokens;

    /// <summary>The energy model's PUE (facility over IT energy).</summary>
    public double Pue => energy.Pue;

    /// <summary>
    /// The reservation for a request: its prompt estimate and its completion limit (or, where it sets none, a high
    /// percentile of the model's observed answer lengths) times its choices, in 64-bit and floating-point arithmetic.
    /// </summary>
    public RequestFigures Estimate(ModelRoute route, OpenAiRequest request, CarbonIntensity grid)
    {
        var perChoice = request.MaxTokens ?? Lengths(route.Model).Tokens;
        var completion = request.CompletionTokensFor(perChoice);
        var it = route.Profile.JoulesPerRequest + (request.PromptTokenEstimate * route.Profile.JoulesPerPromptToken) + (completion * route.Profile.JoulesPerCompletionToken);
        var facility = it * energy.Pue;
        var usage = new TokenUsage(request.PromptTokenEstimate, (int)Math.Min(completion, int.MaxValue), Counted: true);
        return new RequestFigures(new EnergyFigure(facility, EnergyMethod.Modelled), carbon.Grams(facility, grid, TimeSpan.Zero), facility, usage);
    }

    /// <summary>
    /// The actual figures of an upstream answer. Reported token counts are kept only within what the request could
    /// have used (prompt: <see cref="OpenAiRequest.PromptTokenBound"/>; completion: <c>max_tokens</c>, else
    /// <c>Gateway.MaxCompletionTokens</c>, times the choices), else the gateway's own count is charged. Reported
    /// energy is kept only when finite, non-negative and at most <c>Energy.MaxReportedMultiple</c> times the modelled
    /// energy of the same tokens, else the modelled figure is. Every rejection is logged and counted.
    /// </summary>
    /// <param name="reported">Token counts the upstream reported; null when it reported none.</param>
    /// <param name="counted">Tokens the gateway counted in the answer (used when none were reported, or they were rejected).</param>
    public RequestFigures PriceUpstream(ModelRoute route, OpenAiRequest request, TokenUsage? reported, TokenUsage counted, double? reportedJoules,
        CarbonIntensity grid, TimeSpan duration)
    {
        var completionBound = request.CompletionTokensFor(request.MaxTokens ?? _config.Gateway.MaxCompletionTokens);
        var usage = counted with { CompletionTokens = (int)Math.Min(counted.CompletionTokens, completionBound) };
        if (reported is { } r)
        {
            if (r.PromptTokens >= 0 && r.CompletionTokens >= 0 && r.PromptTokens <= request.PromptTokenBound && r.CompletionTokens <= completionBound)
            {
                usage = r;
            }
            else
            {
                Reject(route, "usage", $"prompt_tokens {r.PromptTokens} (at most {request.PromptTokenBound}), completion_tokens {r.CompletionTokens} (at most {completionBound})");
            }
        }

        if (!UsesReportedEnergy(route))
        {
            reportedJoules = null;
        }

        if (reportedJoules is { } joules && !Plausible(route.Profile, usage, joules))
        {
            Reject(route, "energy", $"{joules} J for {usage.PromptTokens} + {usage.CompletionTokens} tokens");
            reportedJoules = null;
        }

        var figure = energy.Compute(route.Profile, usage, reportedJoules);
        if (figure.Method == EnergyMethod.UpstreamReported && !usage.Counted)
        {
            // The large model's own measured answer: what the counterfactual is fitted from.
            counterfactual.Observe(route.Model, usage.PromptTokens, usage.CompletionTokens, reportedJoules!.Value);
        }

        if (request.MaxTokens is null && request.Kind is not (ApiKind.Embeddings or ApiKind.PassThrough) && request.Choices == 1)
        {
            Lengths(route.Model).Observe(usage.CompletionTokens);
        }

        var grams = carbon.Grams(figure.Joules, grid, duration);

        // Tier 'upstream' is the large model itself, so its baseline is its own cost, on the same footing.
        var method = figure.Method == EnergyMethod.Modelled ? BaselineMethod.Modelled : BaselineMethod.Observed;
        return new RequestFigures(figure, grams, figure.Joules, usage, method);
    }

    /// <summary>
    /// Whether energy an upstream reported for a verification call is plausible (as <see cref="PriceUpstream"/> judges);
    /// the caller uses the modelled figure when it is not.
    /// </summary>
    public bool PlausibleReport(ModelRoute route, TokenUsage usage, double joules)
    {
        if (Plausible(route.Profile, usage, joules))
        {
            // Not an observation of the counterfactual: a verification call's cost (a round trip, the new positions
            // against a cached prefix, one token) is not the shape of a whole answer, and mixed into one fit it made
            // the whole answers look like outliers (the held-out run of docs/cascade-benchmark.md).
            return true;
        }

        Reject(route, "energy", $"{joules} J for a verification of {usage.PromptTokens} positions");
        return false;
    }

    /// <summary>The IT joules the route's profile gives <paramref name="usage"/> (before PUE).</summary>
    public double ModelledIt(ModelRoute route, TokenUsage usage) =>
        route.Profile.JoulesPerRequest + (usage.PromptTokens * route.Profile.JoulesPerPromptToken) + (usage.CompletionTokens * route.Profile.JoulesPerCompletionToken);

    /// <summary>Figures of work a tier of the gateway did itself, against the counterfactual it stood in for.</summary>
    public RequestFigures PriceTier(ModelRoute route, TokenUsage usage, TierWork work, CarbonIntensity grid)
    {
        // The gateway's own energy is facility energy too.
        var facility = new EnergyFigure(work.ItJoules * energy.Pue, work.Method);
        var (baseline, method) = Baseline(route, usage);
        return new RequestFigures(facility, carbon.Grams(facility.Joules, grid, TimeSpan.Zero), baseline, usage, method);
    }

    /// <summary>
    /// What the large model alone would have spent on <paramref name="usage"/> (facility joules): predicted from its own
    /// measured or reported answers where enough recent ones exist (<c>observed</c>: the same footing as the figures it
    /// is compared with, <see cref="Counterfactual"/>), else by the route's energy profile (<c>modelled</c>).
    /// </summary>
    public (double Joules, BaselineMethod Method) Baseline(ModelRoute route, TokenUsage usage)
    {
        if (UsesReportedEnergy(route) && counterfactual.Observed(route.Model) is { } fit)
        {
            return (fit.Predict(usage) * energy.Pue, BaselineMethod.Observed);
        }

        return (energy.Compute(route.Profile, usage).Joules, BaselineMethod.Modelled);
    }

    /// <summary>Whether the counterfactual of <paramref name="model"/> is observed, so that decisions may be taken on it.</summary>
    public bool BaselineObserved(ModelRoute route) => UsesReportedEnergy(route) && counterfactual.Observed(route.Model) is not null;

    /// <summary>Whether the route's upstream has its reported energy charged (<c>UseReportedEnergy</c>).</summary>
    public bool UsesReportedEnergy(ModelRoute route) => !_config.Upstreams.TryGetValue(route.Upstream, out var upstream) || upstream.UseReportedEnergy;

    private CompletionLengthEstimate Lengths(string model) =>
        _lengths.GetOrAdd(model, static (_, fallback) => new CompletionLengthEstimate(fallback), _config.Gateway.DefaultCompletionTokens);

    private bool Plausible(EnergyProfile profile, TokenUsage usage, double joules)
    {
        if (!double.IsFinite(joules) || joules < 0)
        {
            return false;
        }

        // A floor of one joule keeps a tiny request's honest report from looking absurd next to a near-zero model.
        var modelled = profile.JoulesPerRequest + (usage.PromptTokens * profile.JoulesPerPromptToken) + (usage.CompletionTokens * profile.JoulesPerCompletionToken);
        return joules <= _config.Energy.MaxReportedMultiple * Math.Max(modelled, 1.0);
    }

    private void Reject(ModelRoute route, string what, string detail)
    {
        metrics.FigureRejected(route.Model, what);
        Log.FigureRejected(logger, route.Upstream, route.Model, what, detail);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
            Message = "Upstream {Upstream} reported implausible {What} for {Model} ({Detail}); the gateway's own figure is charged instead")]
        public static partial void FigureRejected(ILogger logger, string upstream, string model, string what, string detail);
    }
}
