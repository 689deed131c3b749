using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace GreenGateway.Dashboard;

/// <summary>
/// Renders a series (<see cref="DashboardQuery.SeriesAsync"/>) as a stacked bar chart in SVG, on the server: nothing for
/// the browser to fetch, no script library. Colours are the Okabe-Ito palette, distinguishable with the common colour
/// vision deficiencies (Okabe and Ito, "Color Universal Design", 2008; https://jfly.uni-koeln.de/color/), and every
/// series is named in the legend and in the chart's text alternative, never by colour alone.
/// </summary>
internal static class SvgChart
{
    /// <summary>Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black.</summary>
    public static readonly string[] Palette = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"];

    public static string Render(JsonObject series, string title, string unit)
    {
        const int width = 720, height = 240, left = 56, right = 150, top = 24, bottom = 36;
        var keys = series["keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
        var buckets = series["buckets"]!.AsArray();
        var totals = buckets.Select(b => keys.Sum(k => Value(b!, k))).ToList();
        var max = Math.Max(totals.DefaultIfEmpty(0).Max(), 1e-12);
        var scale = NiceCeiling(max);
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom;
        var barWidth = plotWidth / (double)Math.Max(1, buckets.Count);
        var c = CultureInfo.InvariantCulture;

        var svg = new StringBuilder();
        var summary = keys.Count == 0
            ? "No data in this window."
            : string.Join("; ", keys.Select(k => $"{k}: {Format(buckets.Sum(b => Value(b!, k)))} {unit}"));
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"t d\" class=\"chart\">");
        svg.Append(c, $"<title id=\"t\">{Escape(title)}</title><desc id=\"d\">{Escape("Totals over the window: " + summary)}</desc>");
        // Axis and three grid lines, labelled with the unit.
        for (var i = 0; i <= 2; i++)
        {
            var y = top + plotHeight - (plotHeight * i / 2.0);
            svg.Append(c, $"<line x1=\"{left}\" x2=\"{left + plotWidth}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#bbb\" stroke-width=\"1\"/>");
            svg.Append(c, $"<text x=\"{left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" font-size=\"11\" fill=\"#222\">{Escape(Format(scale * i / 2))}</text>");
        }

        svg.Append(c, $"<text x=\"4\" y=\"{top - 8}\" font-size=\"11\" fill=\"#222\">{Escape(unit)}</text>");
        for (var b = 0; b < buckets.Count; b++)
        {
            var y = (double)(top + plotHeight);
            for (var k = 0; k < keys.Count; k++)
            {
                var value = Value(buckets[b]!, keys[k]);
                if (value <= 0)
                {
                    continue;
                }

                var h = plotHeight * value / scale;
                y -= h;
                svg.Append(c, $"<rect x=\"{left + (b * barWidth) + 1:0.##}\" y=\"{y:0.##}\" width=\"{Math.Max(1, barWidth - 2):0.##}\" height=\"{h:0.##}\" fill=\"{Palette[k % Palette.Length]}\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{Escape($"{keys[k]}: {Format(value)} {unit}")}</title></rect>");
            }
        }

        // First and last bucket times, as UTC hours and minutes (dates for a month).
        if (buckets.Count > 0)
        {
            var first = buckets[0]!["start"]!.GetValue<DateTimeOffset>();
            var last = buckets[^1]!["start"]!.GetValue<DateTimeOffset>();
            var format = series["resolution"]!.GetValue<string>() == "day" ? "MM-dd" : "HH:mm";
            svg.Append(c, $"<text x=\"{left}\" y=\"{height - 12}\" font-size=\"11\" fill=\"#222\">{first.ToString(format, c)} UTC</text>");
            svg.Append(c, $"<text x=\"{left + plotWidth}\" y=\"{height - 12}\" text-anchor=\"end\" font-size=\"11\" fill=\"#222\">{last.ToString(format, c)} UTC</text>");
        }

        for (var k = 0; k < keys.Count; k++)
        {
            var y = top + (k * 18);
            svg.Append(c, $"<rect x=\"{width - right + 12}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{Palette[k % Palette.Length]}\" stroke=\"#222\" stroke-width=\"0.5\"/>");
            svg.Append(c, $"<text x=\"{width - right + 30}\" y=\"{y + 10}\" font-size=\"12\" fill=\"#222\">{Escape(keys[k])}</text>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static double Value(JsonNode bucket, string key) => bucket["values"]![key]?.GetValue<double>() ?? 0;

    /// <summary>1, 2 or 5 times a power of ten at or above <paramref name="value"/>: round axis labels.</summary>
    private static double NiceCeiling(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in (double[])[1, 2, 5, 10])
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static string Format(double value) => value.ToString(Math.Abs(value) >= 100 || value == Math.Floor(value) ? "0.##" : "0.####", CultureInfo.InvariantCulture);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
