using GreenGateway.Core.Carbon;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;
using GreenGateway.Upstreams;

namespace GreenGateway.Accounting;

/// <summary>Prices requests in joules and grams: an estimate at admission, the actual figure at completion.</summary>
internal sealed class EnergyAccountant(EnergyModel energy, CarbonCalculator carbon, ICarbonIntensitySource intensity)
{
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
        var figure = energy.Compute(route.Profile, usage, reportedJoules);
        var grams = carbon.Grams(figure.Joules, grid, duration);

        // Tier 'upstream' is the large model itself, so its baseline is its own cost (the cascade tiers
        // of later work report less energy against the same baseline).
        return new RequestFigures(figure, grams, figure.Joules, usage);
    }

    /// <summary>Figures of work the gateway did itself (a cache lookup), against the baseline it stood in for.</summary>
    public RequestFigures PriceMeasured(EnergyFigure figure, TokenUsage usage, CarbonIntensity grid, double baselineJoules)
    {
        // The gateway's own energy is facility energy too.
        var facility = figure with { Joules = figure.Joules * energy.Pue };
        return new RequestFigures(facility, carbon.Grams(facility.Joules, grid, TimeSpan.Zero), baselineJoules, usage);
    }
}
