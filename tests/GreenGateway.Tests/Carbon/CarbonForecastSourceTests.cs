using GreenGateway.Configuration;
using GreenGateway.Core.Carbon;
using GreenGateway.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace GreenGateway.Carbon.Tests;

/// <summary>
/// Forecasts from stand-ins for Electricity Maps' <c>carbon-intensity/forecast</c> and WattTime's <c>/v3/forecast</c>
/// (real Kestrel servers with the APIs' request and response shapes; the real APIs cannot be reached from here), and
/// what the planner gets while they are down.
/// </summary>
public sealed class CarbonForecastSourceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private WebApplication _api = null!;
    private string _address = "";
    private volatile bool _down;
    private string? _authorization;

    public async ValueTask InitializeAsync()
    {
        (_api, _address) = await Loopback.StartAsync(app =>
        {
            app.MapGet("/v3/carbon-intensity/forecast", (string zone) => _down
                ? Results.StatusCode(503)
                : Results.Json(new
                {
                    zone,
                    forecast = new[]
                    {
                        new { carbonIntensity = 420, datetime = "2026-12-03T00:00:00.000Z" },
                        new { carbonIntensity = 95, datetime = "2026-12-03T01:00:00.000Z" },
                        new { carbonIntensity = 300, datetime = "2026-12-03T02:00:00.000Z" },
                    },
                    updatedAt = "2026-12-02T23:40:00.000Z",
                }));
            app.MapGet("/v3/forecast", (HttpContext context, string region, string signal_type) =>
            {
                _authorization = context.Request.Headers.Authorization;
                return _down
                    ? Results.StatusCode(503)
                    : Results.Json(new
                    {
                        data = new[]
                        {
                            new { point_time = "2026-12-03T00:00:00+00:00", value = 1000.0 },
                            new { point_time = "2026-12-03T00:05:00+00:00", value = 500.0 },
                        },
                        meta = new { region, signal_type, units = "lbs_co2_per_mwh", generated_at = "2026-12-03T00:00:00+00:00" },
                    });
            });
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _api.StopAsync();
        await _api.DisposeAsync();
    }

    private ElectricityMapsCarbonSource ElectricityMaps(FakeTimeProvider clock) => new(new HttpClient(),
        new ElectricityMapsOptions { BaseUrl = _address + "/v3", CacheSeconds = 300, TimeoutSeconds = 5 }, new StaticCarbonIntensitySource(473), clock,
        NullLogger<ElectricityMapsCarbonSource>.Instance);

    private WattTimeCarbonSource WattTime(FakeTimeProvider clock) => new(new HttpClient(),
        new WattTimeOptions { BaseUrl = _address, CacheSeconds = 300, TimeoutSeconds = 5, TokenEnvironmentVariable = "GG_TEST_WT_TOKEN" }, new StaticCarbonIntensitySource(473), clock,
        NullLogger<WattTimeCarbonSource>.Instance);

    [Fact]
    public async Task ElectricityMapsForecast_IsReadHourly_AndKeptWhileTheApiIsDown()
    {
        var clock = new FakeTimeProvider(Now);
        var source = ElectricityMaps(clock);

        var forecast = await source.ForecastAsync("DE", Now, Now.AddHours(24), TestContext.Current.CancellationToken);
        Assert.Equal([420.0, 95.0, 300.0], forecast!.Points.Select(p => p.GramsPerKwh));
        Assert.Equal(95, forecast.At(Now.AddMinutes(90)));

        _down = true;
        clock.Advance(TimeSpan.FromHours(1));
        var last = await CarbonForecasts.GetAsync(source, "DE", Now, Now.AddHours(24), TestContext.Current.CancellationToken);
        Assert.Equal(95, last.At(Now.AddMinutes(90)));

        // A zone never fetched while the API is down: the current value, which falls back to the static default.
        var none = await CarbonForecasts.GetAsync(source, "FR", Now, Now.AddHours(24), TestContext.Current.CancellationToken);
        Assert.Equal(473, none.At(Now.AddHours(5)));
    }

    [Fact]
    public async Task WattTimeForecast_IsConvertedFromLbsPerMwh_ToGramsPerKwh_WithTheBearerToken()
    {
        Environment.SetEnvironmentVariable("GG_TEST_WT_TOKEN", "wt-token");
        var source = WattTime(new FakeTimeProvider(Now));

        var forecast = await source.ForecastAsync("CAISO_NORTH", Now, Now.AddHours(1), TestContext.Current.CancellationToken);
        var current = await source.GetAsync("CAISO_NORTH", Now.AddMinutes(6), TestContext.Current.CancellationToken);

        Assert.Equal(453.59237, forecast!.Points[0].GramsPerKwh, 9);
        Assert.Equal(500 * 0.45359237, current.GramsPerKwh, 9);
        Assert.Equal("Bearer wt-token", _authorization);
    }

    [Fact]
    public async Task Regions_ReadTheirOwnSource_UnderTheirZoneName()
    {
        var clock = new FakeTimeProvider(Now);
        var regional = new RegionalCarbonSource(new StaticCarbonIntensitySource(473), new Dictionary<string, (ICarbonIntensitySource, string)>
        {
            ["us-west"] = (WattTime(clock), "CAISO_NORTH"),
            ["eu-central"] = (ElectricityMaps(clock), "DE"),
        });

        var us = await CarbonForecasts.GetAsync(regional, "us-west", Now, Now.AddHours(2), TestContext.Current.CancellationToken);
        var eu = await CarbonForecasts.GetAsync(regional, "eu-central", Now, Now.AddHours(2), TestContext.Current.CancellationToken);
        var other = await regional.GetAsync("elsewhere", Now, TestContext.Current.CancellationToken);

        Assert.Equal("us-west", us.Region);
        Assert.Equal(453.59237, us.At(Now), 9);
        Assert.Equal(95, eu.At(Now.AddHours(1)));
        Assert.Equal(473, other.GramsPerKwh);
    }
}
