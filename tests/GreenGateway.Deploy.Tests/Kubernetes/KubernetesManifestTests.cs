using GreenGateway.Core.Policies;
using GreenGateway.Deploy.Tests.Support;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Tests.Fixtures;

namespace GreenGateway.Deploy.Tests.Kubernetes;

public sealed class KubernetesManifestTests(RedisServerFixture redis)
{
    private readonly KubernetesManifests _manifests = new();

    [Fact]
    public async Task Probes_NameTheGatewaysHealthEndpoints_WhichAnswerReadyWithRedisConnected()
    {
        var liveness = _manifests.Container.Map("livenessProbe").Map("httpGet");
        var readiness = _manifests.Container.Map("readinessProbe").Map("httpGet");
        await using var gateway = await RealGateway.StartAsync(_manifests.Environment(), _manifests.Policies(), redis.ConnectionString);

        var live = await gateway.GetAsync(liveness.Str("path"));
        var ready = await gateway.GetAsync(readiness.Str("path"));

        Assert.Equal(200, live.Status);
        Assert.Equal(200, ready.Status);
        Assert.Equal("ready", ready.Json!.Value.GetProperty("status").GetString());
        Assert.Equal("connected", ready.Json!.Value.GetProperty("redis").GetString());
    }

    [Fact]
    public void Probes_UseTheNamedPortThatTheGatewayBinds()
    {
        var port = _manifests.ContainerPort("http");
        var urls = new Uri(_manifests.Environment()["URLS"]);

        Assert.Equal(port, urls.Port);
        Assert.Equal("0.0.0.0", urls.Host);
        Assert.Equal("http", _manifests.Container.Map("livenessProbe").Map("httpGet").Str("port"));
        Assert.Equal("http", _manifests.Container.Map("readinessProbe").Map("httpGet").Str("port"));
    }

    [Fact]
    public void Environment_SetsOnlyWhatTheGatewayReads_IncludingRedisAndUpstream()
    {
        var environment = _manifests.Environment();

        Assert.Empty(environment.Keys.Select(v => GatewaySettings.Explain(v, environment)).OfType<string>());
        Assert.Contains(GatewayApp.UpstreamUrlVariable, environment.Keys);
        Assert.Contains(Configuration.RedisSettings.UrlVariable, environment.Keys);
        Assert.True(Uri.TryCreate(environment[GatewayApp.UpstreamUrlVariable], UriKind.Absolute, out _));
        Assert.Equal(6379, Assert.IsType<System.Net.DnsEndPoint>(Assert.Single(RedisConnectionString.Parse(environment[Configuration.RedisSettings.UrlVariable]).EndPoints)).Port);
    }

    [Fact]
    public void RedisUrl_AndUpstreamKey_ComeFromTheSecret()
    {
        var fromSecret = _manifests.Container.Seq("env").Where(e => e.Find("valueFrom") is not null).Select(e => e.Str("name")).ToList();

        Assert.Contains(Configuration.RedisSettings.UrlVariable, fromSecret);
        Assert.Contains(_manifests.Environment()["Upstreams__default__ApiKeyEnvironmentVariable"], fromSecret);
    }

    [Fact]
    public void PolicyConfigMap_ParsesWithTheGatewaysParser_AndIsMountedAtThePoliciesPath()
    {
        var parsed = PolicyParser.Parse(_manifests.Policies().ToList());
        var volume = Assert.Single(_manifests.PodSpec.Seq("volumes"), v => v.Find("configMap") is not null);
        var mount = Assert.Single(_manifests.Container.Seq("volumeMounts"), m => m.Str("name") == volume.Str("name"));

        Assert.True(parsed.Succeeded, string.Join("; ", parsed.Errors));
        Assert.NotEmpty(parsed.Policies!.Tenants);
        Assert.Equal(_manifests.ConfigMap.Map("metadata").Str("name"), volume.Map("configMap").Str("name"));
        Assert.Equal(_manifests.Environment()["Gateway__PoliciesPath"], mount.Str("mountPath"));
        Assert.Equal("true", mount.Str("readOnly"));
    }

    [Fact]
    public void Service_SelectsTheDeploymentsPods_AndTargetsTheGatewayPort()
    {
        var selector = _manifests.Service.Map("spec").Map("selector").Entries().ToDictionary(e => e.Key, e => e.Value.ToString());
        var podLabels = _manifests.Deployment.Map("spec").Map("template").Map("metadata").Map("labels").Entries().ToDictionary(e => e.Key, e => e.Value.ToString());
        var port = Assert.Single(_manifests.Service.Map("spec").Seq("ports"));

        Assert.NotEmpty(selector);
        Assert.All(selector, s => Assert.Equal(s.Value, podLabels.GetValueOrDefault(s.Key)));
        Assert.Equal("http", port.Str("targetPort"));
        Assert.Equal(8080, _manifests.ContainerPort(port.Str("targetPort")));
    }

    [Fact]
    public void Autoscaler_ScalesTheDeployment_WhoseContainerRequestsCpu()
    {
        var spec = _manifests.Autoscaler.Map("spec");
        var target = spec.Map("scaleTargetRef");
        var metric = Assert.Single(spec.Seq("metrics"));

        Assert.Equal("autoscaling/v2", _manifests.Autoscaler.Str("apiVersion"));
        Assert.Equal("Deployment", target.Str("kind"));
        Assert.Equal(_manifests.Deployment.Map("metadata").Str("name"), target.Str("name"));
        Assert.Equal("cpu", metric.Map("resource").Str("name"));

        // Utilization is a share of the request: without one the autoscaler cannot compute it.
        Assert.NotNull(_manifests.Container.Map("resources").Map("requests").StrOrNull("cpu"));
        Assert.True(int.Parse(spec.Str("minReplicas"), System.Globalization.CultureInfo.InvariantCulture) >= 2);
    }

    [Fact]
    public void Pod_RunsAsNonRoot_WithAReadOnlyRootAndWritableStateAndTmp()
    {
        var pod = _manifests.PodSpec.Map("securityContext");
        var container = _manifests.Container.Map("securityContext");
        var mounts = _manifests.Container.Seq("volumeMounts").Select(m => m.Str("mountPath")).ToList();
        var journal = _manifests.Environment()["Redis__JournalPath"];

        Assert.Equal("true", pod.Str("runAsNonRoot"));
        Assert.NotEqual("0", pod.Str("runAsUser"));
        Assert.Equal("true", container.Str("readOnlyRootFilesystem"));
        Assert.Contains("/tmp", mounts);
        Assert.Contains(Path.GetDirectoryName(journal), mounts);
    }

    [Fact]
    public void Kustomization_ListsEveryManifest()
    {
        var listed = Yaml.Load(Repository.Path("deploy", "kubernetes", "kustomization.yaml")).Seq("resources").Select(r => r.ToString()).Order().ToList();
        var files = Directory.GetFiles(Repository.Path("deploy", "kubernetes"), "*.yaml").Select(f => Path.GetFileName(f)!).Where(f => f != "kustomization.yaml").Order().ToList();

        Assert.Equal(files, listed);
    }
}
