using GreenGateway.Deploy.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Deploy.Tests.Kubernetes;

/// <summary>The manifests under deploy/kubernetes, and what the gateway's container gets from them.</summary>
internal sealed class KubernetesManifests
{
    public YamlMappingNode Deployment { get; } = Load("deployment.yaml", "Deployment");

    public YamlMappingNode Service { get; } = Load("service.yaml", "Service");

    public YamlMappingNode ConfigMap { get; } = Load("configmap-policies.yaml", "ConfigMap");

    public YamlMappingNode Secret { get; } = Load("secret.yaml", "Secret");

    public YamlMappingNode Autoscaler { get; } = Load("hpa.yaml", "HorizontalPodAutoscaler");

    public YamlMappingNode PodSpec => Deployment.Map("spec").Map("template").Map("spec");

    public YamlNode Container => Assert.Single(PodSpec.Seq("containers"), c => c.Str("name") == "gateway");

    /// <summary>The container's environment with Secret references resolved from secret.yaml.</summary>
    public Dictionary<string, string> Environment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var env in Container.Seq("env"))
        {
            if (env.Find("valueFrom") is { } from)
            {
                var reference = from.Map("secretKeyRef");
                Assert.Equal(Secret.Map("metadata").Str("name"), reference.Str("name"));
                result[env.Str("name")] = Secret.Map("stringData").Str(reference.Str("key"));
            }
            else
            {
                result[env.Str("name")] = env.Str("value");
            }
        }

        return result;
    }

    public int ContainerPort(string name) =>
        int.Parse(Assert.Single(Container.Seq("ports"), p => p.Str("name") == name).Str("containerPort"), System.Globalization.CultureInfo.InvariantCulture);

    public IEnumerable<(string Name, string Text)> Policies() => ConfigMap.Map("data").Entries().Select(e => (e.Key, ((YamlScalarNode)e.Value).Value!));

    private static YamlMappingNode Load(string file, string kind)
    {
        var document = Yaml.Load(Repository.Path("deploy", "kubernetes", file));
        Assert.Equal(kind, document.Str("kind"));
        return document;
    }
}
