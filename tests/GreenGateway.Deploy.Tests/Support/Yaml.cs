using YamlDotNet.RepresentationModel;

namespace GreenGateway.Deploy.Tests.Support;

/// <summary>YAML documents read with YamlDotNet's representation model, navigated by key with clear failures.</summary>
internal static class Yaml
{
    public static IReadOnlyList<YamlMappingNode> LoadAll(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path)))
        {
            stream.Load(reader);
        }

        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    public static YamlMappingNode Load(string path) => Assert.Single(LoadAll(path));

    public static YamlNode Get(this YamlNode node, string key) =>
        Find(node, key) ?? throw new Xunit.Sdk.XunitException($"no '{key}' at line {node.Start.Line}");

    public static YamlNode? Find(this YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Map(this YamlNode node, string key) => Assert.IsType<YamlMappingNode>(node.Get(key));

    public static IEnumerable<YamlNode> Seq(this YamlNode node, string key) => Assert.IsType<YamlSequenceNode>(node.Get(key)).Children;

    public static string Str(this YamlNode node, string key) => Assert.IsType<YamlScalarNode>(node.Get(key)).Value!;

    public static string? StrOrNull(this YamlNode node, string key) => (node.Find(key) as YamlScalarNode)?.Value;

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode node) =>
        Assert.IsType<YamlMappingNode>(node).Children.Select(e => (((YamlScalarNode)e.Key).Value!, e.Value));
}
