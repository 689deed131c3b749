using System.Text.RegularExpressions;
using GreenGateway.Core.Rules;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Core.Policies;

public static partial class PolicyParser
{
    private static readonly string[] RuleKeys = ["name", "pattern", "answer", "tenants"];

    /// <summary>
    /// <c>rules:</c> a list of <c>{ name, pattern, answer, tenants }</c>: tier-0 answers for questions that
    /// match a regular expression (.NET syntax), the answer a template over its groups.
    /// </summary>
    private static void ReadRules(Reader r, YamlNode node, List<PatternRule> rules)
    {
        if (node is not YamlSequenceNode list)
        {
            r.Error(node, "'rules' is a list of { name, pattern, answer, tenants }");
            return;
        }

        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode rule)
            {
                r.Error(item, "a rule is a mapping with name, pattern, answer and optionally tenants");
                continue;
            }

            var before = r.Count;
            foreach (var keyNode in rule.Children.Keys)
            {
                var key = ((YamlScalarNode)keyNode).Value;
                if (Array.IndexOf(RuleKeys, key) < 0)
                {
                    r.Error(keyNode, $"rule: unknown setting '{key}' (known: {string.Join(", ", RuleKeys)})");
                }
            }

            var name = Child(rule, "name") is { } n ? r.Scalar(n, "rule name") : null;
            var pattern = Child(rule, "pattern") is { } p ? r.Scalar(p, "rule pattern") : null;
            var answer = Child(rule, "answer") is { } a ? r.Scalar(a, "rule answer") : null;
            if (string.IsNullOrWhiteSpace(name) || string.IsNullOrEmpty(pattern) || string.IsNullOrEmpty(answer))
            {
                r.Error(rule, "a rule needs name, pattern and answer");
                continue;
            }

            if (rules.Any(existing => existing.Name == name) || RuleEngine.BuiltinNames.Contains(name))
            {
                r.Error(rule, $"rule '{name}' is defined twice or shadows a built-in rule");
            }

            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                r.Error(Child(rule, "pattern")!, $"rule '{name}': the pattern is not a valid regular expression: {e.Message}");
            }

            var tenants = new List<string>();
            if (Child(rule, "tenants") is { } tenantsNode)
            {
                if (tenantsNode is YamlSequenceNode tenantList)
                {
                    tenants.AddRange(tenantList.Children.Select(t => r.Scalar(t, "a tenant")).OfType<string>());
                }
                else
                {
                    r.Error(tenantsNode, $"rule '{name}': tenants is a list of tenant ids ('*' for all)");
                }
            }
            else
            {
                tenants.Add("*");
            }

            if (r.Count == before)
            {
                rules.Add(new PatternRule(name, pattern, answer, tenants));
            }
        }
    }

    private static TimeZoneInfo ReadTimeZone(Reader r, string id, YamlMappingNode map)
    {
        if (Child(map, "timezone") is not { } node || r.Scalar(node, $"tenant '{id}': timezone") is not { } name)
        {
            return TimeZoneInfo.Utc;
        }

        if (TimeZoneInfo.TryFindSystemTimeZoneById(name, out var zone))
        {
            return zone;
        }

        r.Error(node, $"tenant '{id}': unknown time zone '{name}' (an IANA id such as Europe/Berlin)");
        return TimeZoneInfo.Utc;
    }

    private static IReadOnlyList<string> ReadBuiltinRules(Reader r, string id, YamlMappingNode map)
    {
        if (Child(map, "builtin_rules") is not { } node)
        {
            return RuleEngine.BuiltinNames;
        }

        if (node is not YamlSequenceNode list)
        {
            r.Error(node, $"tenant '{id}': builtin_rules is a list of {string.Join(", ", RuleEngine.BuiltinNames)} ([] for none)");
            return [];
        }

        var names = new List<string>();
        foreach (var item in list.Children)
        {
            var name = r.Scalar(item, $"tenant '{id}': a built-in rule");
            if (name is not null && !RuleEngine.BuiltinNames.Contains(name))
            {
                r.Error(item, $"tenant '{id}': unknown built-in rule '{name}' ({string.Join(", ", RuleEngine.BuiltinNames)})");
            }
            else if (name is not null)
            {
                names.Add(name);
            }
        }

        return names;
    }
}
