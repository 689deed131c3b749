using System.Globalization;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Energy;

namespace GreenGateway.Accounting;

/// <summary>What one request cost: energy (and how it was obtained), emissions, and the counterfactual
/// energy had it gone straight to the large model (and how that was obtained).</summary>
internal readonly record struct RequestFigures(EnergyFigure Energy, double CarbonGrams, double BaselineJoules, TokenUsage Usage, BaselineMethod BaselineMethod = BaselineMethod.Modelled)
{
    public EnergyCarbon Charge => new(Energy.Joules, CarbonGrams);

    public string MethodName => Energy.Method switch
    {
        EnergyMethod.UpstreamReported => "upstream-reported",
        EnergyMethod.Measured => "measured",
        _ => "modelled",
    };

    public string BaselineMethodName => BaselineMethod == BaselineMethod.Observed ? "observed" : "modelled";

    /// <summary>Invariant, round-trippable text for headers.</summary>
    public static string Format(double value) => value.ToString("0.#########", CultureInfo.InvariantCulture);
}
