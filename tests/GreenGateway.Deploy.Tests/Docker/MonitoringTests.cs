using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using GreenGateway.Configuration;
using GreenGateway.Deploy.Tests.Support;
using GreenGateway.Redis.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Deploy.Tests.Docker;

/// <summary>
/// The compose stack's Prometheus and Grafana: their files in deploy/ are the ones compose mounts, Prometheus scrapes
/// the gateway where it serves /metrics, Grafana finds the data source and the dashboard, and the dashboard asks only
/// for series a real gateway started with the compose environment exposes.
/// </summary>
public sealed partial class MonitoringTests(RedisServerFixture redis)
{
    private static readonly YamlMappingNode Compose = Yaml.Load(Repository.Path("deploy", "compose.yaml"));
    private static readonly IReadOnlyList<DockerStage> Stages = Dockerfile.Parse(Repository.Read("deploy", "Dockerfile"));
    private static readonly JsonElement Dashboard = JsonDocument.Parse(Repository.Read("deploy", "grafana", "dashboards", "greengateway.json")).RootElement;

    private static YamlMappingNode Service(string name) => Compose.Map("services").Map(name);

    /// <summary>The service's bind mounts: host path (absolute), container path.</summary>
    private static Dictionary<string, string> Mounts(string service) =>
        Service(service).Seq("volumes").Select(v => v.ToString().Split(':')).Where(v => v[0].StartsWith('.')).ToDictionary(
            v => v[1], v => Path.GetFullPath(Path.Combine(Repository.Path("deploy"), v[0])));

    [Theory]
    [InlineData("prometheus")]
    [InlineData("grafana")]
    public void Monitoring_MountsOnlyFilesOfDeploy_ReadOnly_AndPublishesOnLoopbackOnly(string service)
    {
        foreach (var volume in Service(service).Seq("volumes").Select(v => v.ToString().Split(':')).Where(v => v[0].StartsWith('.')))
        {
            var hostPath = Path.GetFullPath(Path.Combine(Repository.Path("deploy"), volume[0]));
            Assert.True(File.Exists(hostPath) || Directory.Exists(hostPath), $"{service} mounts {volume[0]}, which is not in deploy/");
            Assert.StartsWith(Repository.Path("deploy"), hostPath, StringComparison.Ordinal);
            Assert.Equal("ro", volume[2]);
        }

        Assert.All(Service(service).Seq("ports"), port => Assert.StartsWith("127.0.0.1:", port.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void Prometheus_ScrapesTheGatewayService_OnItsPortAndMetricsPath()
    {
        var configInContainer = Service("prometheus").Seq("command").Select(c => c.ToString()).Single(c => c.StartsWith("--config.file=", StringComparison.Ordinal))["--config.file=".Length..];
        var config = Yaml.Load(Mounts("prometheus")[configInContainer]);
        var job = Assert.Single(config.Seq("scrape_configs"));
        var discovery = Assert.Single(job.Seq("dns_sd_configs"));
        var gatewayPort = new Uri(Stages.Single(s => s.Name == "gateway").Environment(Stages)["URLS"]).Port;

        Assert.Equal(new PrometheusOptions().Path, job.Str("metrics_path"));
        Assert.Equal("gateway", Assert.Single(discovery.Seq("names")).ToString());
        Assert.Equal(gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), discovery.Str("port"));
        Assert.Null(Service("gateway").Find("environment")!.Find("Telemetry__Prometheus__Enabled"));
    }

    [Fact]
    public void Grafana_ProvisionsThePrometheusDataSource_AndTheDashboardFolderComposeMounts()
    {
        var mounts = Mounts("grafana");
        var provisioning = mounts["/etc/grafana/provisioning"];
        var source = Assert.Single(Yaml.Load(Path.Combine(provisioning, "datasources", "prometheus.yaml")).Seq("datasources"));
        var provider = Assert.Single(Yaml.Load(Path.Combine(provisioning, "dashboards", "greengateway.yaml")).Seq("providers"));
        var prometheusPort = Service("prometheus").Seq("ports").Single().ToString().Split(':')[2];

        Assert.Equal($"http://prometheus:{prometheusPort}", source.Str("url"));
        Assert.Equal("prometheus", source.Str("type"));
        Assert.True(File.Exists(Path.Combine(mounts[provider.Map("options").Str("path")], "greengateway.json")));
        Assert.Equal(
            Path.Combine(provider.Map("options").Str("path"), "greengateway.json"),
            Service("grafana").Map("environment").Str("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));

        // Every panel and query names the provisioned data source by uid, so the dashboard loads without a prompt.
        var uid = source.Str("uid");
        var panels = Dashboard.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in panels)
        {
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            var grid = panel.GetProperty("gridPos");
            Assert.InRange(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32(), 1, 24);
            Assert.All(panel.GetProperty("targets").EnumerateArray(), t => Assert.Equal(uid, t.GetProperty("datasource").GetProperty("uid").GetString()));
        }

        Assert.All(Dashboard.GetProperty("templating").GetProperty("list").EnumerateArray(), v => Assert.Equal(uid, v.GetProperty("datasource").GetProperty("uid").GetString()));
    }

    [Fact]
    public async Task Dashboard_QueriesOnlySeriesTheGatewayExposes()
    {
        var environment = Stages.Single(s => s.Name == "gateway").Environment(Stages);
        foreach (var (key, value) in Service("gateway").Map("environment").Entries())
        {
            environment[key] = value.ToString();
        }

        var policies = Directory.GetFiles(Repository.Path("policies"), "*.yaml").Select(f => (Path.GetFileName(f), File.ReadAllText(f)));
        await using var gateway = await RealGateway.StartAsync(environment, policies, redis.ConnectionString);
        var instruments = PublishedCounters(gateway.Services.GetRequiredService<IMeterFactory>());
        var request = """{"model":"deploy-model","max_tokens":4,"messages":[{"role":"user","content":"Tell me about the deployment."}]}""";
        Assert.Equal(200, await gateway.PostAsync("/v1/chat/completions", request, "gg-demo"));

        var (status, scrape) = await gateway.GetTextAsync("/metrics");
        Assert.Equal(200, status);
        var exposed = MetricName().Matches(scrape).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        var queried = Dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .SelectMany(t => MetricName().Matches(t.GetProperty("expr").GetString()!).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(queried.Count > 10);
        foreach (var name in queried)
        {
            // A counter that only moves on an event (a refusal, an outage, a cache lookup) has no series until then;
            // it must still be one of the gateway's own instruments, under the name the exporter gives counters.
            Assert.True(exposed.Contains(name) || instruments.Contains(name), $"the dashboard asks for {name}, which the gateway does not expose");
        }
    }

    /// <summary>The gateway's counters as the Prometheus exporter names them: dots to underscores, then <c>_total</c> (units in braces are dropped).</summary>
    private static HashSet<string> PublishedCounters(IMeterFactory factory)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Scope == factory && instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) && instrument.Unit is null or ['{', ..])
            {
                names.Add(instrument.Name.Replace('.', '_') + "_total");
            }
        };
        listener.Start();
        return names;
    }

    [GeneratedRegex("\\b(?:gg|http)_[A-Za-z0-9_]+")]
    private static partial Regex MetricName();
}
