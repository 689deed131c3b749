using System.Globalization;
using System.Text.Json;

namespace GreenGateway.Core.Carbon;

/// <summary>
/// Intensity from a time series file, by region and time: each point holds from its timestamp until
/// the next point of the same region (a step function, as grid operators publish hourly or
/// half-hourly values). Before the first point the first holds; a region with no points uses the
/// region <c>*</c> when present, else the fallback source.
/// </summary>
/// <remarks>
/// CSV: a header line, then <c>region,timestamp,gco2e_per_kwh</c> (ISO 8601 timestamps).
/// JSON: an array of <c>{"region": "DE", "at": "2026-11-21T10:00:00Z", "gramsPerKwh": 312}</c>.
/// </remarks>
public sealed class TimeSeriesCarbonIntensitySource : ICarbonIntensitySource, ICarbonForecastSource
{
    private readonly Dictionary<string, (DateTimeOffset[] Times, double[] Values)> _series;
    private readonly ICarbonIntensitySource _fallback;
    private readonly string _name;

    private TimeSeriesCarbonIntensitySource(Dictionary<string, (DateTimeOffset[], double[])> series, ICarbonIntensitySource fallback, string name)
    {
        _series = series;
        _fallback = fallback;
        _name = name;
    }

    /// <summary>Reads a CSV or JSON file (by extension). Throws <see cref="FormatException"/> naming the line or item at fault.</summary>
    public static TimeSeriesCarbonIntensitySource Load(string path, ICarbonIntensitySource fallback)
    {
        var points = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? ParseJson(File.ReadAllText(path))
            : ParseCsv(File.ReadAllLines(path));
        return FromPoints(points, fallback, $"timeseries:{Path.GetFileName(path)}");
    }

    internal static TimeSeriesCarbonIntensitySource FromPoints(IEnumerable<(string Region, DateTimeOffset At, double Value)> points, ICarbonIntensitySource fallback, string name)
    {
        var series = new Dictionary<string, (DateTimeOffset[], double[])>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in points.GroupBy(p => p.Region, StringComparer.OrdinalIgnoreCase))
        {
            var sorted = group.OrderBy(p => p.At).ToArray();
            series[group.Key] = (sorted.Select(p => p.At).ToArray(), sorted.Select(p => p.Value).ToArray());
        }

        return new TimeSeriesCarbonIntensitySource(series, fallback, name);
    }

    public ValueTask<CarbonIntensity> GetAsync(string region, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (!_series.TryGetValue(region, out var s) && !_series.TryGetValue("*", out s))
        {
            return _fallback.GetAsync(region, at, cancellationToken);
        }

        var index = Array.BinarySearch(s.Times, at);
        if (index < 0)
        {
            // ~index is the first point after `at`; the one before it is in force.
            index = Math.Max(0, ~index - 1);
        }

        return ValueTask.FromResult(new CarbonIntensity(s.Values[index], _name, s.Times[index]));
    }

    /// <summary>The file's points from the one in force at <paramref name="from"/> to <paramref name="to"/>: a recorded or
    /// published series is its own forecast. A region without points has none (the caller falls back).</summary>
    public ValueTask<CarbonForecast?> ForecastAsync(string region, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        if (!_series.TryGetValue(region, out var s) && !_series.TryGetValue("*", out s))
        {
            return ValueTask.FromResult<CarbonForecast?>(null);
        }

        var points = new List<ForecastPoint>();
        for (var i = 0; i < s.Times.Length; i++)
        {
            var inForceAtFrom = i + 1 < s.Times.Length && s.Times[i + 1] > from;
            if ((s.Times[i] >= from || inForceAtFrom || i == s.Times.Length - 1) && s.Times[i] < to)
            {
                points.Add(new ForecastPoint(s.Times[i], s.Values[i]));
            }
        }

        return ValueTask.FromResult<CarbonForecast?>(points.Count == 0 ? null : new CarbonForecast(region, _name, points));
    }

    /// <summary>A CSV's points by region (for benchmarks that replay a recorded or synthetic day), and the first midnight (UTC) in it.</summary>
    public static (DateTimeOffset Midnight, Dictionary<string, List<(DateTimeOffset At, double Value)>> Points) ParseDay(string[] lines)
    {
        var points = new Dictionary<string, List<(DateTimeOffset, double)>>(StringComparer.OrdinalIgnoreCase);
        var first = DateTimeOffset.MaxValue;
        foreach (var (region, at, value) in ParseCsv(lines))
        {
            if (!points.TryGetValue(region, out var list))
            {
                points[region] = list = [];
            }

            list.Add((at, value));
            first = at < first ? at : first;
        }

        foreach (var list in points.Values)
        {
            list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        }

        return (new DateTimeOffset(first.UtcDateTime.Date, TimeSpan.Zero), points);
    }

    internal static List<(string, DateTimeOffset, double)> ParseCsv(string[] lines)
    {
        var points = new List<(string, DateTimeOffset, double)>();
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(',');
            if (parts.Length != 3
                || !DateTimeOffset.TryParse(parts[1].Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                || !double.TryParse(parts[2].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                || !(value >= 0) || double.IsInfinity(value))
            {
                throw new FormatException($"line {i + 1}: expected 'region,timestamp,gco2e_per_kwh' with an ISO 8601 time and a number >= 0, got '{line}'");
            }

            points.Add((parts[0].Trim(), at, value));
        }

        return points;
    }

    internal static List<(string, DateTimeOffset, double)> ParseJson(string json)
    {
        var points = new List<(string, DateTimeOffset, double)>();
        using var doc = ParseDocument(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("expected a JSON array of {region, at, gramsPerKwh}");
        }

        var i = 0;
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("region", out var region) || region.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("at", out var at) || at.ValueKind != JsonValueKind.String || !at.TryGetDateTimeOffset(out var when)
                || !item.TryGetProperty("gramsPerKwh", out var value) || value.ValueKind != JsonValueKind.Number
                || !value.TryGetDouble(out var grams) || grams < 0)
            {
                throw new FormatException($"item {i}: expected {{\"region\": string, \"at\": ISO 8601 time, \"gramsPerKwh\": number >= 0}}");
            }

            points.Add((region.GetString()!, when, grams));
            i++;
        }

        return points;
    }

    private static JsonDocument ParseDocument(string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"line {e.LineNumber + 1}: not valid JSON: {e.Message}", e);
        }
    }
}
