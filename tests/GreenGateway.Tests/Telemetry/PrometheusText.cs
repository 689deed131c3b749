using System.Globalization;

namespace GreenGateway.Telemetry.Tests;

/// <summary>One sample of Prometheus's text exposition format: <c>name{label="value",...} number [timestamp]</c>.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>Every sample of a scrape (comments and blank lines skipped), as prometheus.io/docs/instrumenting/exposition_formats lays them out.</summary>
    public static List<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            string name;
            string rest;
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var close = ReadLabels(line, brace + 1, labels);
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                rest = line[(space + 1)..].Trim();
            }

            var value = rest.Split(' ')[0];
            samples.Add(new PrometheusSample(name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }

        return samples;
    }

    private static int ReadLabels(string line, int at, Dictionary<string, string> labels)
    {
        while (line[at] != '}')
        {
            var eq = line.IndexOf('=', at);
            var key = line[at..eq].Trim(',', ' ');
            var value = new System.Text.StringBuilder();
            var i = eq + 2; // past ="
            for (; line[i] != '"'; i++)
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }
            }

            labels[key] = value.ToString();
            at = i + 1;
            if (line[at] == ',')
            {
                at++;
            }
        }

        return at;
    }
}
