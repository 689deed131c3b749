using YamlDotNet.RepresentationModel;

namespace GreenGateway.Core.Policies;

public static partial class PolicyParser
{
    private static readonly string[] AdminKeys = ["keys", "loopback_only", "description"];

    /// <summary>
    /// <c>admins:</c> maps admin ids to <c>keys</c> (SHA-256 hashes, as tenants' are, never shared with a tenant) and
    /// <c>loopback_only</c> (true: the key is refused from any other address, as the shipped demo key is).
    /// </summary>
    private static void ReadAdmins(Reader r, YamlNode node, List<AdminPolicy> admins, Dictionary<string, string> seenKeys)
    {
        if (node is not YamlMappingNode map)
        {
            r.Error(node, "'admins' maps admin ids to their keys");
            return;
        }

        foreach (var (idNode, adminNode) in map.Children)
        {
            var id = ((YamlScalarNode)idNode).Value ?? "";
            var before = r.Count;
            if (string.IsNullOrWhiteSpace(id) || id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                r.Error(idNode, $"admin id '{id}' must be non-empty without spaces");
            }

            if (admins.Any(a => a.Id == id))
            {
                r.Error(idNode, $"admin '{id}' is defined twice");
            }

            if (adminNode is not YamlMappingNode settings)
            {
                r.Error(adminNode, $"admin '{id}': expected a mapping with {string.Join(", ", AdminKeys)}");
                continue;
            }

            foreach (var keyNode in settings.Children.Keys)
            {
                var key = ((YamlScalarNode)keyNode).Value;
                if (Array.IndexOf(AdminKeys, key) < 0)
                {
                    r.Error(keyNode, $"admin '{id}': unknown setting '{key}' (known: {string.Join(", ", AdminKeys)})");
                }
            }

            var keys = ReadKeys(r, id, settings, seenKeys, "admin");
            var loopbackOnly = false;
            if (Child(settings, "loopback_only") is { } loopbackNode)
            {
                switch (r.Scalar(loopbackNode, $"admin '{id}': loopback_only"))
                {
                    case "true": loopbackOnly = true; break;
                    case "false": break;
                    case { } other: r.Error(loopbackNode, $"admin '{id}': loopback_only is true or false, not '{other}'"); break;
                }
            }

            if (r.Count == before)
            {
                admins.Add(new AdminPolicy { Id = id, KeyHashes = keys, LoopbackOnly = loopbackOnly });
            }
        }
    }
}
