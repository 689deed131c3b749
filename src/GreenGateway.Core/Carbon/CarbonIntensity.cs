namespace GreenGateway.Core.Carbon;

/// <summary>Grid carbon intensity in gCO2e per kWh, where it came from and the time it describes.</summary>
public readonly record struct CarbonIntensity(double GramsPerKwh, string Source, DateTimeOffset At);

/// <summary>Where grid carbon intensity comes from: a static value, a time series file, a live API.</summary>
public interface ICarbonIntensitySource
{
    /// <summary>The intensity for <paramref name="region"/> at <paramref name="at"/>. Never throws for a
    /// source that is down: implementations fall back (last value, then the static default).</summary>
    ValueTask<CarbonIntensity> GetAsync(string region, DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>One intensity for every region and time.</summary>
public sealed class StaticCarbonIntensitySource(double gramsPerKwh) : ICarbonIntensitySource
{
    public double GramsPerKwh { get; } = gramsPerKwh >= 0 && !double.IsInfinity(gramsPerKwh)
        ? gramsPerKwh
        : throw new ArgumentOutOfRangeException(nameof(gramsPerKwh), gramsPerKwh, "carbon intensity must be a finite number >= 0");

    public ValueTask<CarbonIntensity> GetAsync(string region, DateTimeOffset at, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CarbonIntensity(GramsPerKwh, "static", at));
}
