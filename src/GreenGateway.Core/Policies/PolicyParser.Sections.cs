using GreenGateway.Core.Budgets;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Core.Policies;

public static partial class PolicyParser
{
    private static List<byte[]> ReadKeys(Reader r, string id, YamlMappingNode map, Dictionary<string, string> seenKeys, string what = "tenant")
    {
        var hashes = new List<byte[]>();
        if (Child(map, "keys") is not YamlSequenceNode keys || keys.Children.Count == 0)
        {
            r.Error(map, $"{what} '{id}': keys must list at least one SHA-256 key hash ('sha256:' and 64 hex digits; make one with: printf %s 'the-key' | sha256sum)");
            return hashes;
        }

        foreach (var keyNode in keys.Children)
        {
            var text = r.Scalar(keyNode, $"{what} '{id}': a key");
            if (text is null)
            {
                continue;
            }

            if (!text.StartsWith("sha256:", StringComparison.Ordinal) || text.Length != 7 + 64 || !IsHex(text.AsSpan(7)))
            {
                r.Error(keyNode, $"{what} '{id}': keys are stored as 'sha256:' and 64 hex digits, never in plain text");
                continue;
            }

            var hex = text[7..].ToUpperInvariant();
            if (seenKeys.TryGetValue(hex, out var owner))
            {
                r.Error(keyNode, $"{what} '{id}': this key already belongs to {owner}");
                continue;
            }

            seenKeys[hex] = $"{what} '{id}'";
            hashes.Add(Convert.FromHexString(hex));
        }

        return hashes;
    }

    private static List<string> ReadModels(Reader r, string id, YamlMappingNode map)
    {
        if (Child(map, "models") is not { } node)
        {
            return ["*"];
        }

        var models = new List<string>();
        if (node is not YamlSequenceNode list)
        {
            r.Error(node, $"tenant '{id}': models is a list of model names ('*' for all)");
            return models;
        }

        foreach (var item in list.Children)
        {
            if (r.Scalar(item, $"tenant '{id}': a model") is { Length: > 0 } model)
            {
                models.Add(model);
            }
        }

        return models;
    }

    private static List<BudgetLimit> ReadBudgets(Reader r, string id, YamlMappingNode map)
    {
        var limits = new List<BudgetLimit>();
        if (Child(map, "budgets") is not { } node)
        {
            return limits;
        }

        if (node is not YamlMappingNode windows)
        {
            r.Error(node, $"tenant '{id}': budgets maps a window (minute, hour, day, month) to {{ energy_wh, carbon_g }}");
            return limits;
        }

        foreach (var (windowNode, limitNode) in windows.Children)
        {
            var name = ((YamlScalarNode)windowNode).Value;
            if (!TryWindow(name, out var window))
            {
                r.Error(windowNode, $"tenant '{id}': unknown budget window '{name}' (minute, hour, day, month)");
                continue;
            }

            if (limitNode is not YamlMappingNode limit)
            {
                r.Error(limitNode, $"tenant '{id}': budgets.{name} is a mapping with energy_wh and/or carbon_g");
                continue;
            }

            double? energyWh = null, carbonG = null;
            var named = false;
            foreach (var (quantityNode, valueNode) in limit.Children)
            {
                var quantity = ((YamlScalarNode)quantityNode).Value;
                if (quantity is not ("energy_wh" or "carbon_g"))
                {
                    r.Error(quantityNode, $"tenant '{id}': budgets.{name}: unknown quantity '{quantity}' (energy_wh, carbon_g)");
                    continue;
                }

                // A quantity that is named but wrong gets its own error, not a second "sets neither".
                named = true;
                if (r.Scalar(valueNode, $"tenant '{id}': budgets.{name}.{quantity}") is not { } text)
                {
                    continue;
                }

                if (!TryNumber(text, out var value))
                {
                    r.Error(valueNode, $"tenant '{id}': budgets.{name}.{quantity} must be a number >= 0, not '{text}'");
                }
                else if (quantity == "energy_wh")
                {
                    energyWh = value;
                }
                else
                {
                    carbonG = value;
                }
            }

            if (!named)
            {
                r.Error(limitNode, $"tenant '{id}': budgets.{name} sets neither energy_wh nor carbon_g");
                continue;
            }

            if (energyWh is null && carbonG is null)
            {
                continue;
            }

            limits.Add(new BudgetLimit(window, energyWh * 3600.0, carbonG));
        }

        return limits;
    }

    // Not Enum.TryParse, which also takes numbers and comma-separated lists ("minute,hour").
    private static bool TryWindow(string? name, out BudgetWindow window)
    {
        switch (name?.ToLowerInvariant())
        {
            case "minute": window = BudgetWindow.Minute; return true;
            case "hour": window = BudgetWindow.Hour; return true;
            case "day": window = BudgetWindow.Day; return true;
            case "month": window = BudgetWindow.Month; return true;
            default: window = default; return false;
        }
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Collects errors with their file, line and column.</summary>
    private sealed class Reader(string file, List<string> errors)
    {
        public int Count => errors.Count;

        public string Where(YamlNode node) => $"{file}:{node.Start.Line}:{node.Start.Column}";

        public void Error(YamlNode node, string message) => errors.Add($"{Where(node)}: {message}");

        public string? Scalar(YamlNode node, string what)
        {
            if (node is YamlScalarNode scalar)
            {
                return scalar.Value;
            }

            Error(node, $"{what} must be a single value");
            return null;
        }
    }
}
