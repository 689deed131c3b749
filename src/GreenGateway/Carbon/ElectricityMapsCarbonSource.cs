using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using GreenGateway.Configuration;
using GreenGateway.Core.Carbon;

namespace GreenGateway.Carbon;

/// <summary>
/// Live grid intensity from an HTTP API shaped like Electricity Maps' v3
/// <c>GET /carbon-intensity/latest?zone=Z</c> (header <c>auth-token</c>; body
/// <c>{"zone", "carbonIntensity", "datetime", ...}</c>). Values are cached per zone; a stale value is
/// served while a refresh runs in the background, so that requests never wait on the API except for a
/// zone's very first value, and then at most the configured timeout. On failure: the last value, else
/// the fallback (the static default).
/// Forecasts come from <c>GET /carbon-intensity/forecast?zone=Z</c> (body <c>{"zone", "forecast": [{"carbonIntensity",
/// "datetime"}, ...], "updatedAt"}</c>, hourly, https://static.electricitymaps.com/api/docs/index.html#carbon-intensity-forecast),
/// cached per zone for the same period; on failure the last forecast, else none (the planner then holds the current value).
/// </summary>
internal sealed partial class ElectricityMapsCarbonSource(
    HttpClient http,
    ElectricityMapsOptions options,
    ICarbonIntensitySource fallback,
    TimeProvider time,
    ILogger<ElectricityMapsCarbonSource> logger) : ICarbonIntensitySource, ICarbonForecastSource
{
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (CarbonForecast Forecast, DateTimeOffset FetchedAt)> _forecasts = new(StringComparer.OrdinalIgnoreCase);

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
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{options.BaseUrl.TrimEnd('/')}/carbon-intensity/forecast?zone={Uri.EscapeDataString(region)}");
            if (Environment.GetEnvironmentVariable(options.TokenEnvironmentVariable) is { Length: > 0 } token)
            {
                request.Headers.Add("auth-token", token);
            }

            using var response = await http.SendAsync(request, linked.Token);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<ForecastBody>(linked.Token) ?? throw new HttpRequestException("empty body");
            var points = new List<ForecastPoint>();
            foreach (var point in body.Forecast ?? [])
            {
                if (point.Datetime is { } at && point.CarbonIntensity is { } grams && grams >= 0 && double.IsFinite(grams))
                {
                    points.Add(new ForecastPoint(at, grams));
                }
            }

            if (points.Count == 0)
            {
                throw new HttpRequestException("no forecast points in the response");
            }

            points.Sort((a, b) => a.At.CompareTo(b.At));
            var forecast = new CarbonForecast(region, "electricitymaps-forecast", points);
            _forecasts[region] = (forecast, now);
            return forecast;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or NotSupportedException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Log.ForecastFailed(logger, region, e.Message);
            return _forecasts.TryGetValue(region, out var last) ? last.Forecast : null;
        }
    }

    public async ValueTask<CarbonIntensity> GetAsync(string region, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(region, out var cached))
        {
            if (now - cached.FetchedAt > TimeSpan.FromSeconds(options.CacheSeconds) && cached.TryStartRefresh())
            {
                _ = RefreshAsync(region, now);
            }

            return cached.Value;
        }

        return await RefreshAsync(region, now) ?? await fallback.GetAsync(region, at, cancellationToken);
    }

    private async Task<CarbonIntensity?> RefreshAsync(string region, DateTimeOffset now)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.TimeoutSeconds), time);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{options.BaseUrl.TrimEnd('/')}/carbon-intensity/latest?zone={Uri.EscapeDataString(region)}");
            if (Environment.GetEnvironmentVariable(options.TokenEnvironmentVariable) is { Length: > 0 } token)
            {
                request.Headers.Add("auth-token", token);
            }

            using var response = await http.SendAsync(request, timeout.Token);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<LatestIntensity>(timeout.Token)
                ?? throw new HttpRequestException("empty body");
            if (body.CarbonIntensity is not { } grams || grams < 0)
            {
                throw new HttpRequestException("no carbonIntensity in the response");
            }

            var value = new CarbonIntensity(grams, "electricitymaps", body.Datetime ?? now);
            _cache[region] = new Cached(value, now);
            return value;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or NotSupportedException)
        {
            Log.FetchFailed(logger, region, e.Message);
            if (_cache.TryGetValue(region, out var last))
            {
                // Keep serving the last value; try again after another cache period.
                _cache[region] = new Cached(last.Value, now);
                return last.Value;
            }

            return null;
        }
    }

    private sealed class Cached(CarbonIntensity value, DateTimeOffset fetchedAt)
    {
        private int _refreshing;

        public CarbonIntensity Value { get; } = value;

        public DateTimeOffset FetchedAt { get; } = fetchedAt;

        public bool TryStartRefresh() => Interlocked.Exchange(ref _refreshing, 1) == 0;
    }

    private sealed record LatestIntensity(
        [property: JsonPropertyName("zone")] string? Zone,
        [property: JsonPropertyName("carbonIntensity")] double? CarbonIntensity,
        [property: JsonPropertyName("datetime")] DateTimeOffset? Datetime);

    private sealed record ForecastBody(
        [property: JsonPropertyName("zone")] string? Zone,
        [property: JsonPropertyName("forecast")] List<LatestIntensity>? Forecast);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "The carbon intensity forecast for {Region} could not be fetched ({Reason}); using the last forecast or the current value")]
        public static partial void ForecastFailed(ILogger logger, string region, string reason);

        [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Carbon intensity for {Region} could not be fetched ({Reason}); using the last or default value")]
        public static partial void FetchFailed(ILogger logger, string region, string reason);
    }
}
