namespace GreenGateway.Core.Routing;

/// <summary>
/// The classes a tier router predicts. The router itself is an ML.NET model (GreenGateway.Semantics' <c>MlNetRouter</c>,
/// trained by <c>gg router train</c>); Core sees only its <see cref="TierPrediction"/>s.
/// </summary>
public static class TierRouter
{
    /// <summary>The tiers a router predicts, cheapest first: the cost order the cascade tries them in.</summary>
    public static IReadOnlyList<string> Tiers { get; } = ["rules", "draft", "speculative", "upstream"];
}
