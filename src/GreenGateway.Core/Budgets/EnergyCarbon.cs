namespace GreenGateway.Core.Budgets;

/// <summary>The two quantities a budget counts: energy in joules and emissions in grams of CO2e.</summary>
public readonly record struct EnergyCarbon(double Joules, double GramsCo2e)
{
    public static EnergyCarbon Zero => default;

    /// <summary>Energy in watt-hours (1 Wh = 3600 J), the unit budgets are written in.</summary>
    public double WattHours => Joules / 3600.0;

    public static EnergyCarbon operator +(EnergyCarbon a, EnergyCarbon b) => new(a.Joules + b.Joules, a.GramsCo2e + b.GramsCo2e);

    public static EnergyCarbon operator -(EnergyCarbon a, EnergyCarbon b) => new(a.Joules - b.Joules, a.GramsCo2e - b.GramsCo2e);

    /// <summary>Clamps both quantities at zero, so that a settle never makes usage negative.</summary>
    public EnergyCarbon AtLeastZero() => new(Math.Max(0, Joules), Math.Max(0, GramsCo2e));
}
