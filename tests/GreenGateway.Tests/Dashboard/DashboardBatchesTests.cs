using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using GreenGateway.Batches.Tests;
using GreenGateway.Core.Policies;
using GreenGateway.Tests.Support;
using Microsoft.Playwright;

namespace GreenGateway.Dashboard.Tests;

/// <summary>
/// Batches on the dashboard: a batch of epsilon's (a tenant no other test has, so the process-wide metrics are its own) runs in the cleaner of two regions (so it saves carbon against running
/// at submission where its model lives); the admin API's overview, <c>/v1/usage</c> and the page (in Debian's chromium)
/// show its progress, deadline, the grams it cost and the grams it saved, each the batch object's own figure.
/// </summary>
public sealed class DashboardBatchesTests : IAsyncLifetime
{
    private const string AdminKey = "key-admin";

    private static readonly string Policies = $$"""
        tenants:
          epsilon:
            keys: ["{epsilon}"]
          beta:
            keys: ["{beta}"]
        admins:
          ops:
            keys: ["{{PolicySet.HashKey(AdminKey)}}"]
        """;

    private TwoRegions _regions = null!;
    private JsonObject _batch = null!;

    public async ValueTask InitializeAsync()
    {
        _regions = await TwoRegions.StartAsync(Policies);
        var files = BatchSdk.Files(_regions.Gateway.BaseAddress, "key-epsilon");
        var fileId = await BatchSdk.UploadAsync(files, BatchSdk.ChatLines(4), CancellationToken.None);
        _batch = await BatchSdk.WaitAsync(await BatchSdk.CreateAsync(BatchSdk.Batches(_regions.Gateway.BaseAddress, "key-epsilon"), fileId), BatchSdk.Ended);
        Assert.Equal("completed", _batch["status"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync() => await _regions.DisposeAsync();

    private string BatchId => _batch["id"]!.GetValue<string>();

    private double Gg(string name) => _batch["gg"]![name]!.GetValue<double>();

    private async Task<JsonObject> TenantRowAsync(string key, string tenant)
    {
        using var client = _regions.Gateway.Client(key);
        var response = await client.GetAsync("/admin/v1/overview", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (JsonObject)(await Json.ReadObjectAsync(response))["tenants"]!.AsArray().Single(t => t!["tenant"]!.GetValue<string>() == tenant)!;
    }

    [Fact]
    public async Task Overview_GivesEachTenantsBatches_WithProgressDeadlineAndTheCarbonSaved_AsTheBatchObjectHasThem()
    {
        var batches = (await TenantRowAsync(AdminKey, "epsilon"))["batches"]!;

        // The run-now counterfactual prices the same energy at coal-valley's 500 g/kWh, the run at hydro-fjord's 50.
        Assert.Equal(Gg("counterfactual_gco2e") / 10, Gg("carbon_gco2e"), 12);
        Assert.True(Gg("carbon_gco2e") > 0);
        Assert.Equal(1, batches["batches"]!.GetValue<int>());
        Assert.Equal(0, batches["active"]!.GetValue<int>());
        Assert.Equal(4, batches["request_counts"]!["completed"]!.GetValue<int>());
        Assert.Equal(Gg("carbon_gco2e"), batches["carbon_gco2e"]!.GetValue<double>(), 12);
        Assert.Equal(Gg("counterfactual_gco2e"), batches["counterfactual_gco2e"]!.GetValue<double>(), 12);
        Assert.Equal(Gg("counterfactual_gco2e") * 0.9, batches["saved_gco2e"]!.GetValue<double>(), 12);

        var latest = batches["latest"]!.AsArray().Single()!;
        Assert.Equal(BatchId, latest["id"]!.GetValue<string>());
        Assert.Equal("completed", latest["status"]!.GetValue<string>());
        Assert.Equal(_batch["expires_at"]!.GetValue<long>(), latest["expires_at"]!.GetValue<long>());
        Assert.Equal(_batch["request_counts"]!.ToJsonString(), latest["request_counts"]!.ToJsonString());
        Assert.Equal(Gg("saved_gco2e"), latest["saved_gco2e"]!.GetValue<double>(), 12);

        // Another tenant has none, and sees none of epsilon's; /v1/usage has the same totals.
        Assert.Equal(0, (await TenantRowAsync("key-beta", "beta"))["batches"]!["batches"]!.GetValue<int>());
        using var epsilon = _regions.Gateway.Client("key-epsilon");
        var usage = await Json.ReadObjectAsync(await epsilon.GetAsync("/v1/usage", TestContext.Current.CancellationToken));
        Assert.Equal(batches["saved_gco2e"]!.GetValue<double>(), usage["batch_totals"]!["saved_gco2e"]!.GetValue<double>(), 12);
        Assert.Equal(_batch["expires_at"]!.GetValue<long>(), usage["batches"]![0]!["expires_at"]!.GetValue<long>());
    }

    [Fact]
    public async Task Metrics_CountTheBatchsRequests_AndTheCarbonItSaved()
    {
        using var client = _regions.Gateway.Client("key-epsilon");

        // Counters reach the exporter on its next collection: a scrape may come before the last line's.
        List<GreenGateway.Telemetry.Tests.PrometheusSample> samples = [];
        for (var i = 0; i < 50; i++)
        {
            samples = GreenGateway.Telemetry.Tests.PrometheusSample.Parse(await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken)).ToList();
            if (Sum(samples, "gg_batch_requests_total", "outcome") >= 4)
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal(4, Sum(samples, "gg_batch_requests_submitted"));
        Assert.Equal(4, Sum(samples, "gg_batch_requests_total", "outcome"));
        Assert.Equal(Gg("saved_gco2e"), Sum(samples, "gg_batch_carbon_saved"), 9);
        Assert.Equal(Gg("carbon_gco2e"), Sum(samples, "gg_batch_carbon_g"), 9);
    }

    /// <summary>epsilon's samples of the series whose name starts with <paramref name="prefix"/> (the exporter adds unit and total suffixes), with <paramref name="label"/> when given.</summary>
    private static double Sum(IEnumerable<GreenGateway.Telemetry.Tests.PrometheusSample> samples, string prefix, string? label = null) =>
        samples.Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal) && !s.Name.EndsWith("_created", StringComparison.Ordinal)
                && s.Labels.GetValueOrDefault("tenant") == "epsilon" && (label is null || s.Labels.ContainsKey(label)))
            .Sum(s => s.Value);

    [Fact]
    public async Task Page_ShowsTheBatch_AndItsCarbonSaved_WithoutScriptErrors()
    {
        await using var browser = await Browser.LaunchAsync();
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + AdminKey },
        });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };

        Assert.Equal(200, (await page.GotoAsync(_regions.Gateway.BaseAddress + "dashboard"))!.Status);
        await page.WaitForSelectorAsync("body[data-loaded]");

        Assert.Equal(Gg("saved_gco2e"), await ValueAsync(page, "batches.epsilon.saved_gco2e"), 12);
        Assert.Equal(Gg("saved_gco2e"), await ValueAsync(page, $"batch.{BatchId}.saved_gco2e"), 12);
        Assert.Equal(Gg("carbon_gco2e"), await ValueAsync(page, $"batch.{BatchId}.carbon_gco2e"), 12);
        Assert.Equal(4, await ValueAsync(page, $"batch.{BatchId}.done"));
        Assert.Equal(_batch["expires_at"]!.GetValue<long>(), await ValueAsync(page, $"batch.{BatchId}.expires_at"));
        Assert.Equal("completed", await page.GetAttributeAsync($"[data-metric='batch.{BatchId}.status']", "data-value"));
        Assert.Contains("4 of 4", await page.InnerTextAsync("#batches"), StringComparison.Ordinal);
        Assert.Empty(errors);
    }

    private static async Task<double> ValueAsync(IPage page, string metric) =>
        double.Parse((await page.GetAttributeAsync($"[data-metric='{metric}']", "data-value"))!, CultureInfo.InvariantCulture);
}
