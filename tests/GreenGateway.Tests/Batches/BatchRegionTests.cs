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

    private TwoRegions _regions = null!;

    public async ValueTask InitializeAsync() => _regions = await TwoRegions.StartAsync(Policies);

    public async ValueTask DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task LiveRequests_OfATenantThatPrefersTheCleanerRegion_MoveThere_OnlyWithinTheLatencyBound()
    {
        using var gamma = _regions.Gateway.Client("key-gamma");
        using var delta = _regions.Gateway.Client("key-delta");

        Assert.True((await gamma.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        Assert.True((await delta.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).IsSuccessStatusCode);

        // gamma's bound (50 ms) admits the fjord's 30 ms; delta's (10 ms) does not.
        Assert.Equal(1, _regions.CleanChats);
        Assert.Single(_regions.Dirty.Requests);
    }

    [Fact]
    public async Task BatchRequests_GoToTheCleanerRegion_AndTheSavingIsReported()
    {
        // Live requests stay with the model's own upstream.
        using var client = _regions.Gateway.Client();
        Assert.True((await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        Assert.Single(_regions.Dirty.Requests);

        var files = BatchSdk.Files(_regions.Gateway.BaseAddress);
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(4), TestContext.Current.CancellationToken);
        var batch = await BatchSdk.WaitAsync(await BatchSdk.CreateAsync(BatchSdk.Batches(_regions.Gateway.BaseAddress), fileId), BatchSdk.Ended);

        Assert.Equal("completed", batch["status"]!.GetValue<string>());
        Assert.Single(_regions.Dirty.Requests);
        Assert.Equal(4, _regions.CleanChats);
        var carbon = batch["gg"]!["carbon_gco2e"]!.GetValue<double>();
        var counterfactual = batch["gg"]!["counterfactual_gco2e"]!.GetValue<double>();
        Assert.Equal(counterfactual / 10, carbon, 9);
        Assert.Equal(500, batch["gg"]!["submission_g_per_kwh"]!["coal-valley"]!.GetValue<double>());
        Assert.True(double.Parse(batch["metadata"]!["gg_saved_gco2e"]!.GetValue<string>(), CultureInfo.InvariantCulture) > 0);
        Assert.Contains("hydro-fjord", batch["metadata"]!["gg_plan"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
