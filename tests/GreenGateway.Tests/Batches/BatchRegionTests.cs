using System.Globalization;
using GreenGateway.Tests.Support;

namespace GreenGateway.Batches.Tests;

/// <summary>
/// Two upstreams serve the model in two regions, each with its own intensity (a time series, synthetic): the batch's
/// requests go to the cleaner region, and the batch reports what running them at submission where the model lives
/// would have cost.
/// </summary>
public sealed class BatchRegionTests : IAsyncLifetime
{
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
          gamma:
            keys: ["{gamma}"]
            cascade: { carbon_aware: { above_g_per_kwh: 100, prefer_region: { max_added_latency_ms: 50 } } }
          delta:
            keys: ["{delta}"]
            cascade: { carbon_aware: { above_g_per_kwh: 100, prefer_region: { max_added_latency_ms: 10 } } }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("gg-batches-").FullName;
    private FakeOpenAiUpstream _dirty = null!;
    private FakeOpenAiUpstream _clean = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _dirty = await FakeOpenAiUpstream.StartAsync("dirty");
        _clean = await FakeOpenAiUpstream.StartAsync("clean");
        var series = Path.Combine(_directory, "grid.csv");
        await File.WriteAllTextAsync(series, "region,timestamp,gco2e_per_kwh\n# synthetic\ncoal-valley,2026-01-01T00:00:00Z,500\nhydro-fjord,2026-01-01T00:00:00Z,50\n");
        _gateway = await GatewayHost.StartAsync([_dirty.BaseUrl], Policies, new Dictionary<string, string?>
        {
            ["Batches:Directory"] = Path.Combine(_directory, "store"),
            ["Batches:PollSeconds"] = "0.2",
            ["Carbon:Source"] = "timeseries",
            ["Carbon:TimeSeriesPath"] = series,
            ["Upstreams:main:Region"] = "coal-valley",
            ["Upstreams:fjord:Destinations:0"] = _clean.BaseUrl,
            ["Upstreams:fjord:Region"] = "hydro-fjord",
            ["Upstreams:fjord:HealthCheckPath"] = "",
            ["Upstreams:fjord:AddedLatencyMs"] = "30",
            ["Models:echo-model:Upstream"] = "main",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _dirty.DisposeAsync();
        await _clean.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task WaitForBothRegionsAsync()
    {
        var catalog = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<GreenGateway.Upstreams.ModelCatalog>(_gateway.Services);
        for (var i = 0; i < 200 && catalog.RoutesIn("echo-model").Count < 2; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task LiveRequests_OfATenantThatPrefersTheCleanerRegion_MoveThere_OnlyWithinTheLatencyBound()
    {
        await WaitForBothRegionsAsync();
        using var gamma = _gateway.Client("key-gamma");
        using var delta = _gateway.Client("key-delta");

        Assert.True((await gamma.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        Assert.True((await delta.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).IsSuccessStatusCode);

        // gamma's bound (50 ms) admits the fjord's 30 ms; delta's (10 ms) does not.
        Assert.Equal(1, _clean.Requests.Count(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)));
        Assert.Single(_dirty.Requests);
    }

    [Fact]
    public async Task BatchRequests_GoToTheCleanerRegion_AndTheSavingIsReported()
    {
        // Live requests stay with the model's own upstream.
        using var client = _gateway.Client();
        Assert.True((await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        Assert.Single(_dirty.Requests);

        // The fjord upstream lists its models in the background; wait until the catalog knows it serves the model.
        var catalog = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<GreenGateway.Upstreams.ModelCatalog>(_gateway.Services);
        for (var i = 0; i < 200 && catalog.RoutesIn("echo-model").Count < 2; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var files = BatchSdk.Files(_gateway.BaseAddress);
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(4), TestContext.Current.CancellationToken);
        var batch = await BatchSdk.WaitAsync(await BatchSdk.CreateAsync(BatchSdk.Batches(_gateway.BaseAddress), fileId), BatchSdk.Ended);

        Assert.Equal("completed", batch["status"]!.GetValue<string>());
        Assert.Single(_dirty.Requests);
        Assert.Equal(4, _clean.Requests.Count(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)));
        var carbon = batch["gg"]!["carbon_gco2e"]!.GetValue<double>();
        var counterfactual = batch["gg"]!["counterfactual_gco2e"]!.GetValue<double>();
        Assert.Equal(counterfactual / 10, carbon, 9);
        Assert.Equal(500, batch["gg"]!["submission_g_per_kwh"]!["coal-valley"]!.GetValue<double>());
        Assert.True(double.Parse(batch["metadata"]!["gg_saved_gco2e"]!.GetValue<string>(), CultureInfo.InvariantCulture) > 0);
        Assert.Contains("hydro-fjord", batch["metadata"]!["gg_plan"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
