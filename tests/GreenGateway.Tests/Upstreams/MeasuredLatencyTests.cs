using GreenGateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Upstreams.Tests;

/// <summary>
/// <c>carbon_aware.prefer_region</c> against measured latency: two real Kestrel upstreams serve the model in two regions
/// (the cleaner one answers after a delay the test sets), and a live request moves to the cleaner one only while its
/// measured latency less the home upstream's is within the tenant's bound. An unmeasured upstream gets one probe per
/// <c>Gateway.LatencyProbeSeconds</c>, on the gateway's clock (a fake one here).
/// </summary>
public sealed class MeasuredLatencyTests : IAsyncLifetime
{
    private const string Policies = """
        tenants:
          gamma:
            keys: ["{gamma}"]
            cascade: { carbon_aware: { above_g_per_kwh: 100, prefer_region: { max_added_latency_ms: 150 } } }
        """;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TwoRegions _regions = null!;

    public async ValueTask InitializeAsync() =>
        _regions = await TwoRegions.StartAsync(Policies, new Dictionary<string, string?> { ["Gateway:LatencyProbeSeconds"] = "60" }, _time);

    public async ValueTask DisposeAsync() => await _regions.DisposeAsync();

    private int Clean => _regions.CleanChats;

    private int Dirty => _regions.DirtyChats;

    private async Task AskAsync(HttpClient client, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task CleanerRegion_MeasuredOutOfTheBound_GetsOnlyAProbePerInterval_AndTakesTheTrafficOnceMeasuredWithinIt()
    {
        using var gamma = _regions.Gateway.Client("key-gamma");
        _regions.Clean.Delay = TimeSpan.FromMilliseconds(600);

        // Unmeasured: the first request is its probe; measured 600 ms slower than home (the bound: 150), it gets no more in the interval.
        await AskAsync(gamma, 4);
        Assert.Equal(1, Clean);
        Assert.Equal(3, Dirty);
        var latency = _regions.Gateway.Services.GetRequiredService<UpstreamLatency>();
        Assert.InRange(latency.Of("fjord")!.Ms, 550, 5000);
        Assert.InRange(latency.Of("main")!.Ms, 0, 450);

        // The dashboard's API shows the figures the choice compared.
        var overview = await Json.ReadObjectAsync(await gamma.GetAsync("/admin/v1/overview", TestContext.Current.CancellationToken));
        var fjord = overview["upstreams"]!.AsArray().Single(u => u!["upstream"]!.GetValue<string>() == "fjord")!;
        Assert.Equal(latency.Of("fjord")!.Ms, fjord["measured_latency_ms"]!.GetValue<double>(), 9);
        Assert.Equal(30, fjord["declared_added_latency_ms"]!.GetValue<double>());
        Assert.Equal("hydro-fjord", fjord["region"]!.GetValue<string>());

        // A probe interval later, one more probe; still slow, so the rest stay home.
        _time.Advance(TimeSpan.FromSeconds(61));
        await AskAsync(gamma, 3);
        Assert.Equal(2, Clean);
        Assert.Equal(5, Dirty);

        // The cleaner region became near: the next probe replaces its figure, and live requests move there.
        _regions.Clean.Delay = TimeSpan.Zero;
        _time.Advance(TimeSpan.FromSeconds(61));
        await AskAsync(gamma, 4);
        Assert.Equal(6, Clean);
        Assert.Equal(5, Dirty);
        Assert.InRange(latency.Of("fjord")!.Ms, 0, 450);
    }
}
