using GreenGateway.Core.Cascade;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Core.Policies;

public static partial class PolicyParser
{
    private static readonly string[] CascadeKeys = ["tiers", "acceptance", "lenience", "draft_confidence", "quality_floor", "max_joules_per_request", "max_added_latency_ms", "carbon_aware"];
    private static readonly string[] CarbonAwareKeys = ["above_g_per_kwh", "tiers", "acceptance", "lenience", "draft_confidence", "prefer_region"];

    /// <example>
    /// cascade:
    ///   tiers: [rules, cache, draft, speculative, upstream]
    ///   acceptance: cascade          # greedy | sampling | cascade
    ///   lenience: 0.3
    ///   draft_confidence: { min_token_probability: 0.5, max_mean_entropy: 1.0 }
    ///   quality_floor: 0.6
    ///   max_joules_per_request: 200
    ///   max_added_latency_ms: 50
    ///   carbon_aware: { above_g_per_kwh: 400, acceptance: cascade, lenience: 0.5 }
    /// </example>
    private static CascadePolicy ReadCascade(Reader r, string id, YamlMappingNode tenant)
    {
        if (Child(tenant, "cascade") is not { } node)
        {
            return CascadePolicy.Default;
        }

        if (node is not YamlMappingNode map)
        {
            r.Error(node, $"tenant '{id}': cascade is a mapping with {string.Join(", ", CascadeKeys)}");
            return CascadePolicy.Default;
        }

        UnknownKeys(r, map, CascadeKeys, $"tenant '{id}': cascade");
        var policy = CascadePolicy.Default;
        if (Child(map, "tiers") is { } tiers && ReadTiers(r, id, tiers, "cascade.tiers") is { } set)
        {
            policy = policy with { Tiers = set };
        }

        policy = policy with
        {
            Acceptance = ReadAcceptance(r, id, map, "cascade") ?? policy.Acceptance,
            Lenience = ReadFraction(r, id, map, "lenience", "cascade") ?? policy.Lenience,
            DraftBar = ReadDraftBar(r, id, map, "cascade", policy.DraftBar) ?? policy.DraftBar,
            QualityFloor = ReadFraction(r, id, map, "quality_floor", "cascade") ?? policy.QualityFloor,
            MaxJoulesPerRequest = ReadPositive(r, id, map, "max_joules_per_request", "cascade"),
            MaxAddedLatencyMs = ReadPositive(r, id, map, "max_added_latency_ms", "cascade"),
        };

        if (Child(map, "carbon_aware") is { } carbonNode)
        {
            policy = policy with { CarbonAware = ReadCarbonAware(r, id, carbonNode, policy.DraftBar) };
        }

        return policy;
    }

    private static CarbonAwarePolicy? ReadCarbonAware(Reader r, string id, YamlNode node, DraftBar bar)
    {
        if (node is not YamlMappingNode map)
        {
            r.Error(node, $"tenant '{id}': cascade.carbon_aware is a mapping with {string.Join(", ", CarbonAwareKeys)}");
            return null;
        }

        UnknownKeys(r, map, CarbonAwareKeys, $"tenant '{id}': cascade.carbon_aware");
        if (ReadPositive(r, id, map, "above_g_per_kwh", "cascade.carbon_aware") is not { } above)
        {
            r.Error(map, $"tenant '{id}': cascade.carbon_aware needs above_g_per_kwh, the grid intensity (gCO2e/kWh) above which it applies");
            return null;
        }

        var tiers = Child(map, "tiers") is { } tiersNode ? ReadTiers(r, id, tiersNode, "cascade.carbon_aware.tiers") : null;
        double? preferRegion = null;
        if (Child(map, "prefer_region") is { } preferNode)
        {
            if (preferNode is not YamlMappingNode prefer)
            {
                r.Error(preferNode, $"tenant '{id}': cascade.carbon_aware.prefer_region is a mapping with max_added_latency_ms");
            }
            else
            {
                UnknownKeys(r, prefer, ["max_added_latency_ms"], $"tenant '{id}': cascade.carbon_aware.prefer_region");
                preferRegion = ReadPositive(r, id, prefer, "max_added_latency_ms", "cascade.carbon_aware.prefer_region");
                if (preferRegion is null)
                {
                    r.Error(prefer, $"tenant '{id}': cascade.carbon_aware.prefer_region needs max_added_latency_ms, the most latency a cleaner region may add");
                }
            }
        }

        return new CarbonAwarePolicy(above, tiers, ReadAcceptance(r, id, map, "cascade.carbon_aware"),
            ReadFraction(r, id, map, "lenience", "cascade.carbon_aware"), ReadDraftBar(r, id, map, "cascade.carbon_aware", bar))
        {
            PreferRegionMaxAddedLatencyMs = preferRegion,
        };
    }

    private static CascadeTier? ReadTiers(Reader r, string id, YamlNode node, string where)
    {
        if (node is not YamlSequenceNode list)
        {
            r.Error(node, $"tenant '{id}': {where} is a list of tiers ({string.Join(", ", CascadeTiers.Names)})");
            return null;
        }

        var set = CascadeTier.None;
        foreach (var item in list.Children)
        {
            if (r.Scalar(item, $"tenant '{id}': a tier of {where}") is not { } name)
            {
                continue;
            }

            if (!CascadeTiers.TryParse(name, out var tier))
            {
                r.Error(item, $"tenant '{id}': {where}: unknown tier '{name}' (known: {string.Join(", ", CascadeTiers.Names)})");
                continue;
            }

            set |= tier;
        }

        if (set == CascadeTier.None)
        {
            r.Error(node, $"tenant '{id}': {where} must name at least one tier");
        }

        return set;
    }

    private static AcceptanceMode? ReadAcceptance(Reader r, string id, YamlMappingNode map, string where)
    {
        if (Child(map, "acceptance") is not { } node)
        {
            return null;
        }

        switch (r.Scalar(node, $"tenant '{id}': {where}.acceptance"))
        {
            case "greedy": return AcceptanceMode.Greedy;
            case "sampling": return AcceptanceMode.Sampling;
            case "cascade": return AcceptanceMode.Cascade;
            case { } other:
                r.Error(node, $"tenant '{id}': {where}.acceptance is 'greedy', 'sampling' or 'cascade', not '{other}'");
                return null;
            default:
                return null;
        }
    }

    private static DraftBar? ReadDraftBar(Reader r, string id, YamlMappingNode map, string where, DraftBar defaults)
    {
        if (Child(map, "draft_confidence") is not { } node)
        {
            return null;
        }

        if (node is not YamlMappingNode bar)
        {
            r.Error(node, $"tenant '{id}': {where}.draft_confidence is a mapping with min_token_probability and/or max_mean_entropy");
            return null;
        }

        UnknownKeys(r, bar, ["min_token_probability", "max_mean_entropy"], $"tenant '{id}': {where}.draft_confidence");
        return new DraftBar(
            ReadFraction(r, id, bar, "min_token_probability", where + ".draft_confidence") ?? defaults.MinTokenProbability,
            ReadPositive(r, id, bar, "max_mean_entropy", where + ".draft_confidence") ?? defaults.MaxMeanEntropy);
    }

    private static double? ReadFraction(Reader r, string id, YamlMappingNode map, string key, string where)
    {
        if (ReadPositive(r, id, map, key, where) is not { } value)
        {
            return null;
        }

        if (value > 1)
        {
            r.Error(Child(map, key)!, $"tenant '{id}': {where}.{key} must be between 0 and 1, not {value}");
            return null;
        }

        return value;
    }

    private static double? ReadPositive(Reader r, string id, YamlMappingNode map, string key, string where)
    {
        if (Child(map, key) is not { } node || r.Scalar(node, $"tenant '{id}': {where}.{key}") is not { } text)
        {
            return null;
        }

        if (!TryNumber(text, out var value))
        {
            r.Error(node, $"tenant '{id}': {where}.{key} must be a number >= 0, not '{text}'");
            return null;
        }

        return value;
    }

    private static void UnknownKeys(Reader r, YamlMappingNode map, string[] known, string where)
    {
        foreach (var keyNode in map.Children.Keys)
        {
            var key = ((YamlScalarNode)keyNode).Value;
            if (Array.IndexOf(known, key) < 0)
            {
                r.Error(keyNode, $"{where}: unknown setting '{key}' (known: {string.Join(", ", known)})");
            }
        }
    }
}
