using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using GreenGateway.Configuration;
using GreenGateway.Core.Carbon;

namespace GreenGateway.Carbon;

/// <summary>
/// Grid intensity and its forecast from an HTTP API shaped like WattTime's v3 <c>GET /v3/forecast?region=R&amp;signal_type=co2_moer</c>
/// (<c>Authorization: Bearer &lt;token&gt;</c>; body <c>{"data": [{"point_time", "value"}, ...], "meta": {"units": "lbs_co2_per_mwh", ...}}</c>,
/// five-minute points; https://docs.watttime.org/#tag/GET-Forecast). WattTime's signal is the marginal operating emissions
/// rate in lbs/MWh, converted here to g/kWh (1 lb = 453.59237 g, the international avoirdupois pound; 1 MWh = 1,000 kWh).
/// The current value is the forecast's point in force. The forecast is cached per region for <c>CacheSeconds</c>; on
/// failure the last forecast, else the fallback's value (the static default).
/// </summary>
internal sealed partial class WattTimeCarbonSource(
    HttpClient http,
    WattTimeOptions options,
    ICarbonIntensitySource fallback,
    TimeProvider time,
    ILogger<WattTimeCarbonSource> logger) : ICarbonIntensitySource, ICarbonForecastSource
{
    /// <summary>g/kWh per lbs/MWh: 453.59237 g per lb over 1,000 kWh per MWh.</summary>
    public const double GramsPerKwhPerLbsPerMwh = 453.59237 / 1000.0;

    private readonly ConcurrentDictionary<string, (CarbonForecast Forecast, DateTimeOffset FetchedAt)> _forecasts = new(StringComparer.OrdinalIgnoreCase);

    public async ValueTask<CarbonIntensity> GetAsync(string region, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await ForecastAsync(region, at, at.AddHours(1), cancellationToken) is { Points.Count: > 0 } forecast)
        {
            return new CarbonIntensity(forecast.At(at), forecast.Source, at);
        }

        return await fallback.GetAsync(region, at, cancellationToken);
    }

    public async ValueTask<CarbonForecast?> ForecastAsync(string region, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_forecasts.TryGetValue(region, out var cached) && now - cached.FetchedAt <= TimeSpan.FromSeconds(options.CacheSeconds))
        {
            return cached.Forecast;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds), time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get,
                $"{options.BaseUrl.TrimEnd('/')}/v3/forecast?region={Uri.EscapeDataString(region)}&signal_type={Uri.EscapeDataString(options.SignalType)}");
            if (Environment.GetEnvironmentVariable(options.TokenEnvironmentVariable) is { Length: > 0 } token)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            using var response = await http.SendAsync(request, linked.Token);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<ForecastBody>(linked.Token) ?? throw new HttpRequestException("empty body");
            var factor = body.Meta?.Units switch
            {
                null or "lbs_co2_per_mwh" => GramsPerKwhPerLbsPerMwh,
                "g_co2_per_kwh" or "kg_co2_per_mwh" => 1.0,
                var other => throw new HttpRequestException($"units '{other}' are not known"),
            };
            var points = new List<ForecastPoint>();
            foreach (var point in body.Data ?? [])
            {
                if (point.PointTime is { } at && point.Value is { } value && value >= 0 && double.IsFinite(value))
                {
                    points.Add(new ForecastPoint(at, value * factor));
                }
            }

            if (points.Count == 0)
            {
                throw new HttpRequestException("no forecast points in the response");
            }

            points.Sort((a, b) => a.At.CompareTo(b.At));
            var forecast = new CarbonForecast(region, "watttime", points);
            _forecasts[region] = (forecast, now);
            return forecast;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or NotSupportedException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Log.FetchFailed(logger, region, e.Message);
            if (_forecasts.TryGetValue(region, out var last))
            {
                // Keep serving the last forecast; try again after another cache period.
                _forecasts[region] = (last.Forecast, now);
                return last.Forecast;
            }

            return null;
        }
    }

    private sealed record ForecastBody(
        [property: JsonPropertyName("data")] List<Point>? Data,
        [property: JsonPropertyName("meta")] Meta? Meta);

    private sealed record Point(
        [property: JsonPropertyName("point_time")] DateTimeOffset? PointTime,
        [property: JsonPropertyName("value")] double? Value);

    private sealed record Meta(
        [property: JsonPropertyName("region")] string? Region,
        [property: JsonPropertyName("units")] string? Units);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "WattTime's forecast for {Region} could not be fetched ({Reason}); using the last forecast or the default value")]
        public static partial void FetchFailed(ILogger logger, string region, string reason);
    }
}

/// <summary>
/// Grid intensity by region from the source each region names (<c>Carbon.Regions</c>), so that upstreams in different
/// regions can read different APIs (Electricity Maps for one, WattTime for another); other regions read the default source.
/// A region's <c>Zone</c> is its name in that source's API.
/// </summary>
internal sealed class RegionalCarbonSource(ICarbonIntensitySource defaultSource, IReadOnlyDictionary<string, (ICarbonIntensitySource Source, string Zone)> regions)
    : ICarbonIntensitySource, ICarbonForecastSource
{
    public ValueTask<CarbonIntensity> GetAsync(string region, DateTimeOffset at, CancellationToken cancellationToken) =>
        regions.TryGetValue(region, out var named) ? named.Source.GetAsync(named.Zone, at, cancellationToken) : defaultSource.GetAsync(region, at, cancellationToken);

    public async ValueTask<CarbonForecast?> ForecastAsync(string region, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (source, zone) = regions.TryGetValue(region, out var named) ? named : (defaultSource, region);
        return source is ICarbonForecastSource forecasts && await forecasts.ForecastAsync(zone, from, to, cancellationToken) is { } forecast
            ? forecast with { Region = region }
            : null;
    }
}
