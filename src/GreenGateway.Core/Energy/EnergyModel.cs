namespace GreenGateway.Core.Energy;

/// <summary>
/// Turns token usage into facility energy: IT energy from the model's <see cref="EnergyProfile"/>
/// (or the upstream's own report, which wins) times the power usage effectiveness (PUE).
/// </summary>
public sealed class EnergyModel
{
    public EnergyModel(double pue)
    {
        if (!(pue >= 1.0) || double.IsInfinity(pue))
        {
            throw new ArgumentOutOfRangeException(nameof(pue), pue, "PUE is facility energy over IT energy, so it is at least 1.");
        }

        Pue = pue;
    }

    /// <summary>Facility energy over IT energy; 1.0 counts the accelerators alone.</summary>
    public double Pue { get; }

    /// <summary>The energy of a request that used <paramref name="usage"/> on a model with <paramref name="profile"/>.</summary>
    /// <param name="reportedJoules">IT energy the upstream reported for this request, if any; it overrides the profile.</param>
    public EnergyFigure Compute(EnergyProfile profile, TokenUsage usage, double? reportedJoules = null)
    {
        if (reportedJoules is { } reported && reported >= 0 && !double.IsInfinity(reported))
        {
            return new EnergyFigure(reported * Pue, EnergyMethod.UpstreamReported);
        }

        var it = profile.JoulesPerRequest
            + (usage.PromptTokens * profile.JoulesPerPromptToken)
            + (usage.CompletionTokens * profile.JoulesPerCompletionToken);
        return new EnergyFigure(it * Pue, EnergyMethod.Modelled);
    }
}
