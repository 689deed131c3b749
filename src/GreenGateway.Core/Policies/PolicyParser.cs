using System.Globalization;
using GreenGateway.Core.Budgets;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Core.Policies;

/// <summary>The outcome of reading policy files: a set, or every error found (never just the first).</summary>
public sealed record PolicyLoadResult(PolicySet? Policies, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Policies is not null;
}

/// <summary>
/// Reads tenant policies from YAML. Every problem is reported with its file, line and column, and
/// the files are only accepted when there is none: a half-valid policy never goes live.
/// </summary>
/// <example>
/// tenants:
///   demo:
///     keys: ["sha256:6b0e…"]
///     models: ["*"]
///     budgets:
///       day: { energy_wh: 50, carbon_g: 20 }
///     on_exhausted: downgrade
///     downgrade_to: small
/// </example>
public static partial class PolicyParser
{
    private static readonly string[] TenantKeys = ["keys", "models", "budgets", "on_exhausted", "downgrade_to", "description", "timezone", "builtin_rules", "cascade", "batches"];

    /// <summary>Reads every <c>*.yaml</c>/<c>*.yml</c> file of <paramref name="directory"/>.</summary>
    public static PolicyLoadResult LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return new PolicyLoadResult(null, [$"{directory}: the policies directory does not exist"]);
        }

        var files = Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        var documents = new List<(string Name, string Text)>();
        var errors = new List<string>();
        foreach (var file in files)
        {
            try
            {
                documents.Add((file, File.ReadAllText(file)));
            }
            catch (IOException e)
            {
                errors.Add($"{file}: {e.Message}");
            }
        }

        var result = Parse(documents);
        return errors.Count == 0 ? result : new PolicyLoadResult(null, [.. errors, .. result.Errors]);
    }

    /// <summary>Parses named YAML texts into one <see cref="PolicySet"/>.</summary>
    public static PolicyLoadResult Parse(IReadOnlyList<(string Name, string Text)> documents)
    {
        var errors = new List<string>();
        var tenants = new List<TenantPolicy>();
        var rules = new List<Rules.PatternRule>();
        var admins = new List<AdminPolicy>();
        var seenIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in documents)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException e)
            {
                errors.Add($"{name}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.InnerException?.Message ?? e.Message}");
                continue;
            }

            foreach (var document in stream.Documents)
            {
                ReadDocument(new Reader(name, errors), document.RootNode, tenants, rules, admins, seenIds, seenKeys);
            }
        }

        return errors.Count == 0
            ? new PolicyLoadResult(new PolicySet(tenants, documents.Select(d => d.Name).ToList(), rules, admins), [])
            : new PolicyLoadResult(null, errors);
    }

    private static void ReadDocument(Reader r, YamlNode root, List<TenantPolicy> tenants, List<Rules.PatternRule> rules, List<AdminPolicy> admins,
        Dictionary<string, string> seenIds, Dictionary<string, string> seenKeys)
    {
        if (root is YamlScalarNode { Value: null or "" })
        {
            return;
        }

        if (root is not YamlMappingNode top)
        {
            r.Error(root, "a policy file is a mapping with the sections 'tenants', 'admins' and/or 'rules'");
            return;
        }

        foreach (var (keyNode, value) in top.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            if (key == "rules")
            {
                ReadRules(r, value, rules);
                continue;
            }

            if (key == "admins")
            {
                ReadAdmins(r, value, admins, seenKeys);
                continue;
            }

            if (key != "tenants")
            {
                r.Error(keyNode, $"unknown section '{key}' (known: tenants, admins, rules)");
                continue;
            }

            if (value is not YamlMappingNode tenantMap)
            {
                r.Error(value, "'tenants' maps tenant ids to their policies");
                continue;
            }

            foreach (var (idNode, tenantNode) in tenantMap.Children)
            {
                var id = ((YamlScalarNode)idNode).Value ?? "";
                if (seenIds.TryGetValue(id, out var where))
                {
                    r.Error(idNode, $"tenant '{id}' is defined twice (first at {where})");
                    continue;
                }

                seenIds[id] = r.Where(idNode);
                if (ReadTenant(r, id, tenantNode, seenKeys) is { } tenant)
                {
                    tenants.Add(tenant);
                }
            }
        }
    }

    private static TenantPolicy? ReadTenant(Reader r, string id, YamlNode node, Dictionary<string, string> seenKeys)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            r.Error(node, $"tenant id '{id}' must be non-empty without spaces");
        }

        if (node is not YamlMappingNode map)
        {
            r.Error(node, $"tenant '{id}': expected a mapping with {string.Join(", ", TenantKeys)}");
            return null;
        }

        var before = r.Count;
        foreach (var keyNode in map.Children.Keys)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            if (Array.IndexOf(TenantKeys, key) < 0)
            {
                r.Error(keyNode, $"tenant '{id}': unknown setting '{key}' (known: {string.Join(", ", TenantKeys)})");
            }
        }

        var keys = ReadKeys(r, id, map, seenKeys);
        var models = ReadModels(r, id, map);
        var limits = ReadBudgets(r, id, map);
        var action = ExhaustedAction.Reject;
        if (Child(map, "on_exhausted") is { } actionNode)
        {
            switch (r.Scalar(actionNode, $"tenant '{id}': on_exhausted"))
            {
                case "reject": action = ExhaustedAction.Reject; break;
                case "downgrade": action = ExhaustedAction.Downgrade; break;
                case { } other: r.Error(actionNode, $"tenant '{id}': on_exhausted is 'reject' or 'downgrade', not '{other}'"); break;
            }
        }

        string? downgradeTo = null;
        if (Child(map, "downgrade_to") is { } downgradeNode)
        {
            downgradeTo = r.Scalar(downgradeNode, $"tenant '{id}': downgrade_to");
        }

        var timeZone = ReadTimeZone(r, id, map);
        var builtins = ReadBuiltinRules(r, id, map);
        var cascade = ReadCascade(r, id, map);
        var batches = ReadBatches(r, id, map);
        return r.Count > before
            ? null
            : new TenantPolicy
            {
                Id = id, KeyHashes = keys, Models = models, Limits = limits, OnExhausted = action, DowngradeTo = downgradeTo,
                TimeZone = timeZone, BuiltinRules = builtins, Cascade = cascade, Batches = batches,
            };
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    private static bool TryNumber(string? text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0 && !double.IsInfinity(value);
}
