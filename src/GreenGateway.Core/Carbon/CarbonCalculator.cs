namespace GreenGateway.Core.Carbon;

/// <summary>
/// Emissions of one request as in the Green Software Foundation's Software Carbon Intensity
/// specification (SCI, ISO/IEC 21031:2024): SCI = (E x I + M) per R, with R = one request here.
/// E is energy in kWh, I the grid intensity in gCO2e/kWh, M the embodied emissions share.
/// </summary>
public sealed class CarbonCalculator(EmbodiedEmissions embodied)
{
    private const double JoulesPerKwh = 3_600_000.0;

    public EmbodiedEmissions Embodied { get; } = embodied;

    /// <summary>Grams of CO2e for <paramref name="joules"/> at <paramref name="intensity"/>, plus the
    /// embodied share for a request that held the hardware for <paramref name="duration"/>.</summary>
    public double Grams(double joules, CarbonIntensity intensity, TimeSpan duration)
    {
        var operational = joules / JoulesPerKwh * intensity.GramsPerKwh;
        return operational + Embodied.For(duration);
    }
}

/// <summary>
/// The embodied (manufacturing) share M of SCI: M = TE x (TiR / EL), amortized here as a rate per
/// second of use (TE over the expected lifetime EL, times the hardware share) plus a fixed part per
/// request. Both default to 0: the gateway then reports operational emissions only.
/// </summary>
public sealed record EmbodiedEmissions
{
    /// <summary>gCO2e per request, added to every request. Default 0.</summary>
    public double GramsPerRequest { get; init; }

    /// <summary>gCO2e per second of upstream time (TE / EL for the serving hardware). Default 0.</summary>
    public double GramsPerSecond { get; init; }

    public double For(TimeSpan duration) => GramsPerRequest + (GramsPerSecond * Math.Max(0, duration.TotalSeconds));
}
