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
/// </summary>
internal sealed partial class ElectricityMapsCarbonSource(
    HttpClient http,
    ElectricityMapsOptions options,
    ICarbonIntensitySource fallback,
    TimeProvider time,
    ILogger<ElectricityMapsCarbonSource> logger) : ICarbonIntensitySource
{
    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.OrdinalIgnoreCase);

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

    private static partial class Log
    {
        [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Carbon intensity for {Region} could not be fetched ({Reason}); using the last or default value")]
        public static partial void FetchFailed(ILogger logger, string region, string reason);
    }
}
