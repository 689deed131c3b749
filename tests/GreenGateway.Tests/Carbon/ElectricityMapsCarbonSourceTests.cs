using GreenGateway.Configuration;
using GreenGateway.Core.Carbon;
using GreenGateway.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GreenGateway.Carbon.Tests;

/// <summary>
/// The live carbon source against a stand-in for the Electricity Maps API (a real Kestrel server with
/// the same request and response shape; the real API cannot be reached from here).
/// </summary>
public sealed class ElectricityMapsCarbonSourceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private WebApplication _api = null!;
    private string _address = "";
    private int _calls;
    private double _intensity = 312;
    private TimeSpan _delay = TimeSpan.Zero;
    private string? _token;

    public async ValueTask InitializeAsync()
    {
        (_api, _address) = await Loopback.StartAsync(app => app.MapGet("/v3/carbon-intensity/latest", async (HttpContext context, string zone) =>
        {
            Interlocked.Increment(ref _calls);
            _token = context.Request.Headers["auth-token"];
            await Task.Delay(_delay);
            return Results.Json(new { zone, carbonIntensity = _intensity, datetime = "2026-11-21T11:00:00.000Z", updatedAt = "2026-11-21T11:40:00.000Z", emissionFactorType = "lifecycle" });
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await _api.StopAsync();
        await _api.DisposeAsync();
    }

    private ElectricityMapsCarbonSource Source(FakeTimeProvider clock, double timeoutSeconds = 5) => new(
        new HttpClient(),
        new ElectricityMapsOptions { BaseUrl = _address + "/v3", CacheSeconds = 300, TimeoutSeconds = timeoutSeconds, TokenEnvironmentVariable = "GG_TEST_EM_TOKEN" },
        new StaticCarbonIntensitySource(473),
        clock,
        NullLogger<ElectricityMapsCarbonSource>.Instance);

    [Fact]
    public async Task Latest_IsFetchedForTheZone_AndCachedForTheCachePeriod()
    {
        Environment.SetEnvironmentVariable("GG_TEST_EM_TOKEN", "secret-token");
        var source = Source(new FakeTimeProvider(Now));

        var first = await source.GetAsync("DE", Now, TestContext.Current.CancellationToken);
        var second = await source.GetAsync("DE", Now, TestContext.Current.CancellationToken);

        Assert.Equal(312, first.GramsPerKwh);
        Assert.Equal("electricitymaps", first.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 11, 0, 0, TimeSpan.Zero), first.At);
        Assert.Equal(first, second);
        Assert.Equal(1, _calls);
        Assert.Equal("secret-token", _token);
    }

    [Fact]
    public async Task StaleValue_IsServedWhileARefreshFetchesTheNewOne()
    {
        var clock = new FakeTimeProvider(Now);
        var source = Source(clock);
        await source.GetAsync("FR", Now, TestContext.Current.CancellationToken);
        _intensity = 45;
        clock.Advance(TimeSpan.FromMinutes(6));

        var stale = await source.GetAsync("FR", clock.GetUtcNow(), TestContext.Current.CancellationToken);
        var fresh = stale;
        for (var i = 0; i < 200 && fresh.GramsPerKwh != 45; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            fresh = await source.GetAsync("FR", clock.GetUtcNow(), TestContext.Current.CancellationToken);
        }

        Assert.Equal(312, stale.GramsPerKwh);
        Assert.Equal(45, fresh.GramsPerKwh);
        Assert.Equal(2, _calls); // one background refresh, however often the stale value was asked for
    }

    [Fact]
    public async Task ApiDown_FallsBackToTheLastValue_ThenToTheStaticDefault()
    {
        var clock = new FakeTimeProvider(Now);
        var source = Source(clock);
        await source.GetAsync("PL", Now, TestContext.Current.CancellationToken);
        await _api.StopAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromMinutes(10));

        var last = await source.GetAsync("PL", clock.GetUtcNow(), TestContext.Current.CancellationToken);
        var unknownZone = await source.GetAsync("SE", clock.GetUtcNow(), TestContext.Current.CancellationToken);

        Assert.Equal(312, last.GramsPerKwh);
        Assert.Equal(473, unknownZone.GramsPerKwh);
        Assert.Equal("static", unknownZone.Source);
    }

    [Fact]
    public async Task SlowApi_TimesOutToTheStaticDefault()
    {
        _delay = TimeSpan.FromSeconds(20);
        var source = Source(new FakeTimeProvider(Now), timeoutSeconds: 0.5);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var value = await source.GetAsync("DE", Now, TestContext.Current.CancellationToken);

        Assert.Equal(473, value.GramsPerKwh);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
    }
}
