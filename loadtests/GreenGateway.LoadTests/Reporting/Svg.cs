using System.Globalization;
using System.Net;
using System.Text;

namespace GreenGateway.LoadTests.Reporting;

/// <summary>A chart's line or stacked band: a name, a colour, and (x, y) points.</summary>
internal sealed record Series(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

/// <summary>Plain SVG charts written by hand (no charting package is served here): axes, ticks, a legend.</summary>
internal static class Svg
{
    private const int Width = 760;
    private const int Height = 300;
    private const int Left = 64;
    private const int Right = 150;
    private const int Top = 30;
    private const int Bottom = 40;

    public static readonly string[] Palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"];

    /// <summary>Lines over a shared x axis (seconds).</summary>
    public static string Lines(string title, string yLabel, IReadOnlyList<Series> series, bool logY = false)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).ToList();
        var xMax = points.Count == 0 ? 1 : Math.Max(1, points.Max(p => p.X));
        var xMin = points.Count == 0 ? 0 : Math.Min(0, points.Min(p => p.X));
        var yMax = points.Count == 0 ? 1 : Math.Max(points.Max(p => p.Y) * 1.1, 1e-9);
        var yMin = logY ? Math.Max(points.Where(p => p.Y > 0).Select(p => p.Y).DefaultIfEmpty(0.1).Min() / 1.5, 1e-3) : 0;
        double Y(double y) => logY ? Math.Log10(Math.Max(y, yMin)) : y;
        var (lo, hi) = (Y(yMin), Y(yMax));
        var sb = Begin(title, yLabel);
        Axes(sb, xMin, xMax, yMin, yMax, logY);
        foreach (var s in series)
        {
            var path = new StringBuilder();
            foreach (var (x, y) in s.Points.Where(p => double.IsFinite(p.Y)))
            {
                path.Append(path.Length == 0 ? 'M' : 'L').Append(F(Px(x, xMin, xMax))).Append(',').Append(F(Py(Y(y), lo, hi))).Append(' ');
            }

            sb.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.5\"/>\n");
        }

        Legend(sb, series);
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>Stacked bars per x (each series a share or a count at that x).</summary>
    public static string Stacked(string title, string yLabel, IReadOnlyList<Series> series)
    {
        var xs = series.SelectMany(s => s.Points.Select(p => p.X)).Distinct().Order().ToList();
        var totals = xs.ToDictionary(x => x, x => series.Sum(s => s.Points.Where(p => p.X == x).Sum(p => p.Y)));
        var xMax = xs.Count == 0 ? 1 : xs.Max() + 1;
        var xMin = xs.Count == 0 ? 0 : Math.Min(0, xs.Min());
        var yMax = totals.Count == 0 ? 1 : Math.Max(totals.Values.Max(), 1e-9);
        var sb = Begin(title, yLabel);
        Axes(sb, xMin, xMax, 0, yMax, false);
        var barWidth = Math.Max(1, (Width - Left - Right) / Math.Max(1, xMax - xMin) - 1);
        foreach (var x in xs)
        {
            var y0 = 0.0;
            foreach (var s in series)
            {
                var y = s.Points.Where(p => p.X == x).Sum(p => p.Y);
                if (y <= 0)
                {
                    continue;
                }

                var top = Py(y0 + y, 0, yMax);
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(Px(x, xMin, xMax))}\" y=\"{F(top)}\" width=\"{F(barWidth)}\" height=\"{F(Py(y0, 0, yMax) - top)}\" fill=\"{s.Color}\"/>\n");
                y0 += y;
            }
        }

        Legend(sb, series);
        return sb.Append("</svg>\n").ToString();
    }

    private static StringBuilder Begin(string title, string yLabel)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{WebUtility.HtmlEncode(title)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14,{(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 6}\" text-anchor=\"middle\">seconds</text>\n");
        return sb;
    }

    private static void Axes(StringBuilder sb, double xMin, double xMax, double yMin, double yMax, bool logY)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<path d=\"M{Left},{Top} L{Left},{Height - Bottom} L{Width - Right},{Height - Bottom}\" stroke=\"black\" fill=\"none\"/>\n");
        for (var i = 0; i <= 4; i++)
        {
            var fraction = i / 4.0;
            var value = logY ? Math.Pow(10, Math.Log10(yMin) + (fraction * (Math.Log10(yMax) - Math.Log10(yMin)))) : yMin + (fraction * (yMax - yMin));
            var y = Top + ((1 - fraction) * (Height - Top - Bottom));
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#ddd\"/><text x=\"{Left - 4}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Label(value)}</text>\n");
            var xValue = xMin + (fraction * (xMax - xMin));
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Px(xValue, xMin, xMax))}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{Label(xValue)}</text>\n");
        }
    }

    private static void Legend(StringBuilder sb, IReadOnlyList<Series> series)
    {
        for (var i = 0; i < series.Count; i++)
        {
            var y = Top + 10 + (i * 16);
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right + 10}\" y=\"{y - 9}\" width=\"10\" height=\"10\" fill=\"{series[i].Color}\"/><text x=\"{Width - Right + 24}\" y=\"{y}\">{WebUtility.HtmlEncode(series[i].Name)}</text>\n");
        }
    }

    private static double Px(double x, double min, double max) => Left + ((x - min) / (max - min) * (Width - Left - Right));

    private static double Py(double y, double min, double max) => Height - Bottom - ((y - min) / (max - min) * (Height - Top - Bottom));

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Label(double value) => Math.Abs(value) >= 100 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
