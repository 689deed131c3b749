using GreenGateway.Core.Carbon;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;
using GreenGateway.Upstreams;

namespace GreenGateway.Accounting;

/// <summary>Prices requests in joules and grams: an estimate at admission, the actual figure at completion.</summary>
internal sealed class EnergyAccountant(EnergyModel energy, CarbonCalculator carbon, ICarbonIntensitySource intensity, Microsoft.Extensions.Options.IOptions<Configuration.GatewayConfig> options)
{
    private readonly Dictionary<string, Configuration.UpstreamOptions> _upstreams = options.Value.Upstreams;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RollingMedian> _observed = new(StringComparer.Ordinal);

    public ValueTask<CarbonIntensity> IntensityAsync(string region, DateTimeOffset at, CancellationToken cancellationToken) =>
        intensity.GetAsync(region, at, cancellationToken);

    /// <summary>The reservation for a request: its prompt estimate and its completion limit (or the default).</summary>
    public RequestFigures Estimate(ModelRoute route, OpenAiRequest request, int defaultCompletionTokens, CarbonIntensity grid)
    {
        var completion = request.Kind == ApiKind.Embeddings ? 0 : (request.MaxTokens ?? defaultCompletionTokens) * request.Choices;
        var usage = new TokenUsage(request.PromptTokenEstimate, completion, Counted: true);
        return Price(route, usage, null, grid, TimeSpan.Zero);
    }

    /// <summary>The actual figures once the upstream has answered.</summary>
    public RequestFigures Price(ModelRoute route, TokenUsage usage, double? reportedJoules, CarbonIntensity grid, TimeSpan duration)
    {
        if (!UsesReportedEnergy(route))
        {
            reportedJoules = null;
        }

        var figure = energy.Compute(route.Profile, usage, reportedJoules);
        if (reportedJoules is not null && usage.CompletionTokens > 0 && figure.Method == EnergyMethod.UpstreamReported)
        {
            _observed.GetOrAdd(route.Model, static _ => new RollingMedian(ObservedWindow)).Add(figure.Joules / (usage.PromptTokens * PromptTokenWeight + usage.CompletionTokens));
        }

        var grams = carbon.Grams(figure.Joules, grid, duration);

        // Tier 'upstream' is the large model itself, so its baseline is its own cost (the cascade tiers
        // of later work report less energy against the same baseline).
        return new RequestFigures(figure, grams, figure.Joules, usage);
    }

    /// <summary>
    /// What the large model alone would have spent on <paramref name="usage"/>: where its upstream reports energy,
    /// at the rate observed on its recent answers (so that the baseline is on the same scale as the figures it is
    /// compared with), else by the route's energy profile.
    /// </summary>
    public double Baseline(ModelRoute route, TokenUsage usage)
    {
        if (_observed.TryGetValue(route.Model, out var rate) && rate.Value is { } joulesPerToken)
        {
            return joulesPerToken * (usage.PromptTokens * PromptTokenWeight + usage.CompletionTokens);
        }

        return energy.Compute(route.Profile, usage).Joules;
    }

    /// <summary>Whether the route's upstream has its reported energy charged (<c>UseReportedEnergy</c>).</summary>
    public bool UsesReportedEnergy(ModelRoute route) => !_upstreams.TryGetValue(route.Upstream, out var upstream) || upstream.UseReportedEnergy;

    /// <summary>The energy model's PUE (facility over IT energy).</summary>
    public double Pue => energy.Pue;

    /// <summary>Figures of work the gateway did itself (a cache lookup), against the baseline it stood in for.</summary>
    public RequestFigures PriceMeasured(EnergyFigure figure, TokenUsage usage, CarbonIntensity grid, double baselineJoules)
    {
        // The gateway's own energy is facility energy too.
        var facility = figure with { Joules = figure.Joules * energy.Pue };
        return new RequestFigures(facility, carbon.Grams(facility.Joules, grid, TimeSpan.Zero), baselineJoules, usage);
    }

    /// <summary>
    /// A prompt token's cost relative to a completion token's when rates are observed: prefill reads the weights once
    /// for many positions. 0.05 is the ratio of the default profile's coefficients (0.023 / 0.45 J, docs/energy-model.md).
    /// </summary>
    private const double PromptTokenWeight = 0.05;

    /// <summary>Observed rates a baseline is the median of (the last 63 answers).</summary>
    private const int ObservedWindow = 63;
}
