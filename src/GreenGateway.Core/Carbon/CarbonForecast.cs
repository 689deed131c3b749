namespace GreenGateway.Core.Carbon;

/// <summary>One forecast value: the intensity in force from <paramref name="At"/> until the next point.</summary>
public readonly record struct ForecastPoint(DateTimeOffset At, double GramsPerKwh);

/// <summary>A region's forecast intensity as a step function (each point holds until the next), and where it came from.</summary>
public sealed record CarbonForecast(string Region, string Source, IReadOnlyList<ForecastPoint> Points)
{
    /// <summary>A forecast that holds one value for ever: the fallback when no forecast can be had.</summary>
    public static CarbonForecast Flat(string region, CarbonIntensity intensity) =>
        new(region, intensity.Source + " (flat)", [new ForecastPoint(DateTimeOffset.MinValue, intensity.GramsPerKwh)]);

    /// <summary>The value in force at <paramref name="at"/>: the last point at or before it, else the first.</summary>
    public double At(DateTimeOffset at)
    {
        if (Points.Count == 0)
        {
            return 0;
        }

        var value = Points[0].GramsPerKwh;
        foreach (var point in Points)
        {
            if (point.At > at)
            {
                break;
            }

            value = point.GramsPerKwh;
        }

        return value;
    }

    /// <summary>The time-weighted mean over [<paramref name="from"/>, <paramref name="to"/>) of the step function.</summary>
    public double Mean(DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return At(from);
        }

        double sum = 0;
        var cursor = from;
        var value = At(from);
        foreach (var point in Points)
        {
            if (point.At <= from)
            {
                continue;
            }

            if (point.At >= to)
            {
                break;
            }

            sum += value * (point.At - cursor).TotalSeconds;
            cursor = point.At;
            value = point.GramsPerKwh;
        }

        sum += value * (to - cursor).TotalSeconds;
        return sum / (to - from).TotalSeconds;
    }
}

/// <summary>
/// A source that can say what the intensity will be (Electricity Maps' <c>carbon-intensity/forecast</c>, WattTime's
/// <c>/v3/forecast</c>, a time series file). Never throws for a source that is down: it returns the last forecast it had,
/// or null, and the caller falls back to a flat forecast at the current value.
/// </summary>
public interface ICarbonForecastSource
{
    ValueTask<CarbonForecast?> ForecastAsync(string region, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>Forecasts with their fallbacks: the source's forecast, else a flat one at the current (last or static) value.</summary>
public static class CarbonForecasts
{
    public static async ValueTask<CarbonForecast> GetAsync(ICarbonIntensitySource source, string region, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (source is ICarbonForecastSource forecasts)
        {
            try
            {
                if (await forecasts.ForecastAsync(region, from, to, cancellationToken).ConfigureAwait(false) is { Points.Count: > 0 } forecast)
                {
                    return forecast;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A forecast source that throws is treated as down: the current value below stands for the whole window.
            }
        }

        return CarbonForecast.Flat(region, await source.GetAsync(region, from, cancellationToken).ConfigureAwait(false));
    }
}
