using System.Globalization;
using System.Net;
using GreenGateway.Redis.Tests.Fixtures;
using GreenGateway.Tests.Support;

namespace GreenGateway.Telemetry.Tests;

/// <summary>
/// <c>GET /metrics</c> on a real gateway after known requests: the values a scrape reports equal what the responses
/// reported, for a tenant of this test only (other tests run gateways, and so meters of the same name, in this process).
/// </summary>
public sealed class PrometheusEndpointTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scrape_AfterKnownRequests_ReportsTheirCountsEnergyCarbonAndRefusals_WithoutAKey()
    {
        var tenant = $"m{Guid.NewGuid():N}";
        // 0.005 Wh = 18 J a day: a few requests of about 3 J, then refusals.
        var policies = $$"""
            tenants:
              {{tenant}}:
                keys: ["{beta}"]
                budgets:
                  day: { energy_wh: 0.005 }
            """;
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], policies);
        using var client = gateway.Client("key-beta");

        double joules = 0, grams = 0, baseline = 0;
        int served = 0, refused = 0;
        for (var i = 0; i < 12; i++)
        {
            var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model", extra: ",\"max_tokens\":4")), Token);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused++;
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            served++;
            joules += Header(response, "X-GG-Energy-J");
            grams += Header(response, "X-GG-Carbon-g");
            baseline += Header(response, "X-GG-Baseline-Energy-J");
        }

        Assert.InRange(served, 2, 11);
        Assert.True(refused > 0);

        using var scraper = gateway.Client(key: null);
        var scrape = await scraper.GetAsync("/metrics", Token);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.StartsWith("text/plain", scrape.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var samples = PrometheusSample.Parse(await scrape.Content.ReadAsStringAsync(Token));
        List<PrometheusSample> Ours(string name) => [.. samples.Where(s => s.Name == name && s.Labels.GetValueOrDefault("tenant") == tenant)];

        var requests = Ours("gg_requests_total");
        Assert.Equal(served, requests.Where(s => s.Labels["status"] == "200" && s.Labels["tier"] == "upstream" && s.Labels["model"] == "echo-model").Sum(s => s.Value));
        Assert.Equal(joules, Assert.Single(Ours("gg_energy_joules_total")).Value, 6);
        // The headers carry nine decimals, so each response's figure is rounded by up to 5e-10 g.
        Assert.Equal(grams, Assert.Single(Ours("gg_carbon_gCO2e_total")).Value, 8);
        Assert.Equal(baseline, Assert.Single(Ours("gg_energy_baseline_joules_total")).Value, 6);
        Assert.Equal(refused, Assert.Single(Ours("gg_budget_refused_total")).Value);
        Assert.Equal(served, Ours("gg_request_duration_seconds_count").Sum(s => s.Value));

        // ASP.NET Core's server metrics and HttpClient's (YARP's calls upstream) are there too.
        Assert.Contains(samples, s => s.Name == "http_server_request_duration_seconds_count" && s.Value > 0);
        Assert.Contains(samples, s => s.Name == "http_client_request_duration_seconds_count" && s.Value > 0);
    }

    [Fact]
    public async Task WithRedis_TheClientsMetricsAreScraped()
    {
        await using var redis = new RedisServerFixture();
        await redis.StartAsync();
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], settings: new Dictionary<string, string?> { ["Redis:Url"] = redis.ConnectionString });
        using var client = gateway.Client();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), Token)).StatusCode);
        }

        var samples = PrometheusSample.Parse(await client.GetStringAsync("/metrics", Token));

        Assert.Contains(samples, s => s.Name == "gg_redis_connected" && s.Value == 1);
        Assert.Contains(samples, s => s.Name == "gg_redis_operations_total" && s.Value >= 6);
        Assert.Contains(samples, s => s.Name == "gg_redis_duration_seconds_count" && s.Labels.GetValueOrDefault("operation") == "reserve" && s.Value >= 3);
        Assert.Contains(samples, s => s.Name == "gg_redis_duration_seconds_count" && s.Labels.GetValueOrDefault("operation") == "settle" && s.Value >= 3);
    }

    [Fact]
    public async Task Disabled_MetricsIsNotFound()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], settings: new Dictionary<string, string?> { ["Telemetry:Prometheus:Enabled"] = "false" });
        using var client = gateway.Client(key: null);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics", Token)).StatusCode);
    }

    [Fact]
    public async Task ProxyPaths_NeverReachTheScrapeEndpoint()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl]);
        using var anonymous = gateway.Client(key: null);
        using var tenant = gateway.Client();

        // /v1/metrics is the proxy's: a key is required, and with one it is passed to the upstream, not answered here.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/metrics", Token)).StatusCode);
        var proxied = await tenant.GetAsync("/v1/metrics", Token);
        Assert.DoesNotContain("gg_requests", await proxied.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics", Token)).StatusCode);
    }

    [Fact]
    public async Task ManagementPort_ServesMetricsThere_AndNotOnTheGatewaysPort()
    {
        var management = ServerProcess.FreePort();
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], settings: new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:0;http://127.0.0.1:{management}",
            ["Telemetry:Prometheus:Port"] = management.ToString(CultureInfo.InvariantCulture),
        });
        using var onGatewayPort = gateway.Client(key: null);
        using var onManagementPort = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{management}") };

        Assert.Equal(HttpStatusCode.NotFound, (await onGatewayPort.GetAsync("/metrics", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onManagementPort.GetAsync("/metrics", Token)).StatusCode);
    }

    private static double Header(HttpResponseMessage response, string name) =>
        double.Parse(response.Headers.GetValues(name).Single(), CultureInfo.InvariantCulture);
}
