using GreenGateway.Deploy.Tests.Support;
using System.Net;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Deploy.Tests.Docker;

public sealed class ComposeTests(RedisServerFixture redis)
{
    private static readonly YamlMappingNode Compose = Yaml.Load(Repository.Path("deploy", "compose.yaml"));
    private static readonly IReadOnlyList<DockerStage> Stages = Dockerfile.Parse(Repository.Read("deploy", "Dockerfile"));

    private static YamlMappingNode Service(string name) => Compose.Map("services").Map(name);

    private static Dictionary<string, string> GatewayEnvironment() =>
        Service("gateway").Map("environment").Entries().ToDictionary(e => e.Key, e => e.Value.ToString());

    [Fact]
    public void Services_AreTheGatewayRedisTheModelServerAndMonitoring_BuiltFromTheDockerfilesStages()
    {
        Assert.Equal(["gateway", "grafana", "model", "prometheus", "redis"], Compose.Map("services").Entries().Select(e => e.Key).Order());
        foreach (var (service, target) in new[] { ("gateway", "gateway"), ("model", "modelhost") })
        {
            var build = Service(service).Map("build");
            var context = Path.GetFullPath(Path.Combine(Repository.Path("deploy"), build.Str("context")));
            Assert.Equal(Repository.Root.TrimEnd('/'), context.TrimEnd('/'));
            Assert.True(File.Exists(Path.Combine(context, build.Str("dockerfile"))));
            Assert.Contains(Stages, s => s.Name == build.Str("target"));
            Assert.Equal(target, build.Str("target"));
        }
    }

    [Fact]
    public void Gateway_ReachesRedisAndTheModelServer_ByServiceName()
    {
        var environment = GatewayEnvironment();
        var redisUrl = Assert.IsType<DnsEndPoint>(Assert.Single(RedisConnectionString.Parse(environment[Configuration.RedisSettings.UrlVariable]).EndPoints));
        var upstream = new Uri(environment[GatewayApp.UpstreamUrlVariable]);
        var modelPort = Stages.Single(s => s.Name == "modelhost").All("EXPOSE").Single().Arguments;

        Assert.Equal("redis", redisUrl.Host);
        Assert.Equal(6379, redisUrl.Port);
        Assert.Equal("model", upstream.Host);
        Assert.Equal(modelPort, upstream.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("/v1", upstream.AbsolutePath);
        Assert.Empty(environment.Keys.Select(v => GatewaySettings.Explain(v, environment)).OfType<string>());
        Assert.Equal("service_healthy", Service("gateway").Map("depends_on").Map("redis").Str("condition"));
    }

    [Fact]
    public void Gateway_PublishesItsPortOnLoopback_AndMountsPoliciesWhereTheImageReadsThem()
    {
        var imageEnvironment = Stages.Single(s => s.Name == "gateway").Environment(Stages);
        var port = Assert.Single(Service("gateway").Seq("ports")).ToString().Split(':');
        var policies = Service("gateway").Seq("volumes").Select(v => v.ToString().Split(':')).Single(v => v[1] == imageEnvironment["Gateway__PoliciesPath"]);

        Assert.Equal("127.0.0.1", port[0]);
        Assert.Equal(new Uri(imageEnvironment["URLS"]).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), port[2]);
        Assert.True(Directory.Exists(Path.Combine(Repository.Path("deploy"), policies[0])));
        Assert.Equal("ro", policies[2]);
    }

    [Fact]
    public async Task Gateway_StartedWithTheComposeEnvironment_IsReadyWithRedisConnected()
    {
        var environment = Stages.Single(s => s.Name == "gateway").Environment(Stages);
        foreach (var (key, value) in GatewayEnvironment())
        {
            environment[key] = value;
        }

        var policies = Directory.GetFiles(Repository.Path("policies"), "*.yaml").Select(f => (Path.GetFileName(f), File.ReadAllText(f)));
        await using var gateway = await RealGateway.StartAsync(environment, policies, redis.ConnectionString);

        // Readiness is polled, as an orchestrator does: it turns ready once the first upstream health checks have run.
        var (status, json) = await gateway.GetAsync("/readyz");
        for (var i = 0; i < 150 && status != 200; i++)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            (status, json) = await gateway.GetAsync("/readyz");
        }

        Assert.True(status == 200, $"/readyz answered {status}: {json}");
        Assert.Equal("connected", json!.Value.GetProperty("redis").GetString());
    }
}
