namespace GreenGateway.Core.Budgets;

/// <summary>
/// A tenant's limit in one window. Either quantity may be absent (no limit on it).
/// </summary>
/// <param name="Window">The window the limit applies to.</param>
/// <param name="EnergyJoules">The energy allowed per window, in joules; null for no energy limit.</param>
/// <param name="CarbonGrams">The emissions allowed per window, in gCO2e; null for no carbon limit.</param>
public sealed record BudgetLimit(BudgetWindow Window, double? EnergyJoules, double? CarbonGrams)
{
    /// <summary>True when <paramref name="used"/> (consumed plus reserved) has reached either limit.</summary>
    public bool IsSpent(EnergyCarbon used) =>
        (EnergyJoules is { } j && used.Joules >= j) || (CarbonGrams is { } g && used.GramsCo2e >= g);
}
