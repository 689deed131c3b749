using GreenGateway.LoadTests.Scenarios;

namespace GreenGateway.LoadTests.Reporting;

/// <summary>The report's charts: latency over time, throughput by outcome, tier mix, energy per request, gateway memory and CPU.</summary>
internal static class Charts
{
    public static IEnumerable<(string File, string Svg)> Render(RunOutcome outcome)
    {
        var buckets = outcome.Gateway.Buckets();
        (double, double) Point(Bucket b, double y) => (b.Second, y);
        var latency = new List<Series>
        {
            new("gateway p50", Svg.Palette[0], buckets.Select(b => Point(b, b.Summary.Percentile(50))).ToList()),
            new("gateway p99", Svg.Palette[1], buckets.Select(b => Point(b, b.Summary.Percentile(99))).ToList()),
            new("gateway max", Svg.Palette[7], buckets.Select(b => Point(b, b.Summary.Percentile(100))).ToList()),
        };
        if (outcome.Direct is { } direct)
        {
            var d = direct.Buckets();
            latency.Add(new("direct p50", Svg.Palette[2], d.Select(b => Point(b, b.Summary.Percentile(50))).ToList()));
            latency.Add(new("direct p99", Svg.Palette[3], d.Select(b => Point(b, b.Summary.Percentile(99))).ToList()));
        }

        yield return ("latency.svg", Svg.Lines("Latency by completion second", "ms (log)", latency, logY: true));

        yield return ("throughput.svg", Svg.Stacked("Responses per second", "responses/s",
        [
            new("2xx", Svg.Palette[0], buckets.Select(b => Point(b, b.Summary.Successes)).ToList()),
            new("429", Svg.Palette[5], buckets.Select(b => Point(b, b.Summary.ByStatus.GetValueOrDefault(429))).ToList()),
            new("other 4xx", Svg.Palette[2], buckets.Select(b => Point(b, b.Summary.ByStatus.Where(s => s.Key is >= 400 and < 500 and not 429).Sum(s => s.Value))).ToList()),
            new("5xx / none", Svg.Palette[1], buckets.Select(b => Point(b, b.Summary.ServerErrors)).ToList()),
        ]));

        var tiers = outcome.Gateway.ByTier.Keys.ToList();
        yield return ("tiers.svg", Svg.Stacked("Tier mix (share of successful responses)", "share",
            tiers.Select((tier, i) => new Series(tier, Svg.Palette[i % Svg.Palette.Length],
                buckets.Select(b => Point(b, b.Summary.Successes == 0 ? 0 : (double)b.Summary.ByTier.GetValueOrDefault(tier) / b.Summary.Successes)).ToList())).ToList()));

        yield return ("energy.svg", Svg.Lines("Energy per successful request", "J",
        [
            new("mean J", Svg.Palette[4], buckets.Where(b => b.Summary.Priced > 0).Select(b => Point(b, b.Summary.EnergyJ / b.Summary.Priced)).ToList()),
        ]));

        if (outcome.Processes.Count > 0)
        {
            var memory = outcome.Processes.Select((p, i) => new Series(p.Name + " RSS MB", Svg.Palette[i % Svg.Palette.Length],
                p.Samples.Select(x => (x.Seconds - outcome.RunStartS, x.RssMb)).ToList())).ToList();
            yield return ("memory.svg", Svg.Lines("Gateway resident memory (negative time: warm-up)", "MB", memory));
            var cpu = outcome.Processes.Select((p, i) => new Series(p.Name + " cores", Svg.Palette[i % Svg.Palette.Length],
                p.Samples.Select(x => (x.Seconds - outcome.RunStartS, x.Cores)).ToList())).ToList();
            yield return ("cpu.svg", Svg.Lines("Gateway CPU", "cores", cpu));
        }
    }
}
