using System.Diagnostics;
using System.Globalization;
using System.Text;
using GreenGateway.LoadTests.Scenarios;

namespace GreenGateway.LoadTests.Reporting;

/// <summary>The run's report: Markdown with the machine, the commit and the exact command, and SVG charts beside it.</summary>
internal static class MarkdownReport
{
    public static async Task<string> WriteAsync(RunOutcome outcome, IReadOnlyList<ObjectiveResult> objectives, string folder, string command)
    {
        var c = CultureInfo.InvariantCulture;
        var s = outcome.Scenario;
        var g = outcome.Gateway;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Load test: {s.Name}");
        md.AppendLine();
        md.AppendLine(s.Description);
        md.AppendLine();
        md.AppendLine(c, $"- Date: {DateTimeOffset.UtcNow:u}");
        md.AppendLine(c, $"- Machine: {Environment.ProcessorCount} cores ({CpuModel()}), {MemoryGb():0.#} GiB, {Environment.OSVersion}, .NET {Environment.Version}; load average before the run {LoadAverage()}");
        md.AppendLine(c, $"- Commit: {Git("rev-parse HEAD")}{(Git("status --porcelain --untracked-files=no").Length > 0 ? " (with uncommitted changes)" : "")}");
        md.AppendLine(c, $"- Command: `{command}`");
        md.AppendLine(c, $"- Load: open model, {s.Load.Shape} ({Shape(s.Load)}), {s.Load.DurationSeconds} s{(s.CompareDirect is { } cd ? $" per block, {cd.Rounds} alternating blocks each way" : "")}, after {outcome.WarmupRequests} warm-up requests; latency counted from each request's due time");
        md.AppendLine(c, $"- Gateway: {(s.Fleet is { } f ? $"{f.Replicas} replicas (child processes) behind nginx" : s.Gateway.InProcess ? "in process" : "child process")}, state {(s.Gateway.RedisCluster ? "in a 3-primary Redis Cluster" : s.Gateway.Redis || s.Fleet is not null ? "in redis-server" : "embedded")}; upstream: the stand-in (fixed answer, {s.Upstream.DelayMs} ms delay); generator, gateway and upstream share this machine");
        md.AppendLine();
        md.AppendLine("## Objectives");
        md.AppendLine();
        md.AppendLine("| objective | target | measured | met |");
        md.AppendLine("|---|---|---:|---|");
        foreach (var o in objectives)
        {
            md.AppendLine(c, $"| {o.Name} | {o.Target} | {o.Actual} | {(o.Met ? "yes" : "**NO**")} |");
        }

        md.AppendLine();
        md.AppendLine("## Latency and throughput");
        md.AppendLine();
        md.AppendLine("| path | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | statuses |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (name, sum) in new[] { ("direct", outcome.Direct), ("gateway", g) })
        {
            if (sum is not null)
            {
                md.AppendLine(c, $"| {name} | {sum.Count} | {sum.Throughput:0.0} | {sum.Percentile(50):0.000} | {sum.Percentile(90):0.000} | {sum.Percentile(99):0.000} | {sum.Percentile(100):0.000} | {Statuses(sum)} |");
            }
        }

        if (outcome.Direct is { } d)
        {
            md.AppendLine();
            md.AppendLine(c, $"Added by the gateway (same run, alternating blocks): p50 {g.Percentile(50) - d.Percentile(50):+0.000;-0.000} ms, p99 {g.Percentile(99) - d.Percentile(99):+0.000;-0.000} ms; ratio of p50s {g.Percentile(50) / d.Percentile(50):0.00}, of p99s {g.Percentile(99) / d.Percentile(99):0.00}.");
        }

        md.AppendLine();
        md.AppendLine("## Tiers, energy and carbon");
        md.AppendLine();
        md.AppendLine("| tier | responses | share |");
        md.AppendLine("|---|---:|---:|");
        foreach (var (tier, count) in g.ByTier)
        {
            md.AppendLine(c, $"| {tier} | {count} | {(double)count / Math.Max(1, g.Successes):P1} |");
        }

        md.AppendLine();
        md.AppendLine(c, $"Per successful request with figures ({g.Priced}): {g.EnergyJ / Math.Max(1, g.Priced):0.####} J and {g.CarbonG / Math.Max(1, g.Priced):0.######} gCO2e on average; {g.EnergyJ:0.###} J and {g.CarbonG:0.####} gCO2e in all.");
        if (outcome.Ledger is { } ledger)
        {
            md.AppendLine();
            md.AppendLine(c, $"Ledger ({ledger.Window} window, GET /v1/usage after the run): consumed {ledger.ConsumedJ:0.###} J, still reserved {ledger.ReservedJ:0.###} J, limit {ledger.LimitJ:0.###} J.");
        }

        md.AppendLine();
        md.AppendLine("## Gateway process");
        md.AppendLine();
        md.AppendLine("| process | CPU mean (cores) | CPU max | RSS at start of run (MB) | RSS at end | RSS max | growth (MB/min, fitted) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, samples) in outcome.Processes)
        {
            var run = samples.Where(x => x.Seconds >= outcome.RunStartS).ToList();
            if (run.Count > 0)
            {
                md.AppendLine(c, $"| {name} | {run.Average(x => x.Cores):0.00} | {run.Max(x => x.Cores):0.00} | {run[0].RssMb:0.0} | {run[^1].RssMb:0.0} | {run.Max(x => x.RssMb):0.0} | {Slope(run) * 60:0.00} |");
            }
        }

        if (outcome.KilledAtS is { } killed)
        {
            md.AppendLine();
            md.AppendLine(c, $"Replica gateway-1 was killed (SIGKILL) {killed} s into the run.");
        }

        md.AppendLine();
        md.AppendLine("## Charts");
        md.AppendLine();
        foreach (var (file, svg) in Charts.Render(outcome))
        {
            await File.WriteAllTextAsync(Path.Combine(folder, file), svg);
            md.AppendLine(c, $"![{file}]({file})");
        }

        var path = Path.Combine(folder, "report.md");
        await File.WriteAllTextAsync(path, md.ToString());
        return md.ToString();
    }

    /// <summary>Least-squares slope of RSS over time, MB per second.</summary>
    private static double Slope(IReadOnlyList<Targets.ProcessSample> samples)
    {
        if (samples.Count < 2)
        {
            return double.NaN;
        }

        var mx = samples.Average(x => x.Seconds);
        var my = samples.Average(x => x.RssMb);
        var num = samples.Sum(x => (x.Seconds - mx) * (x.RssMb - my));
        var den = samples.Sum(x => (x.Seconds - mx) * (x.Seconds - mx));
        return den == 0 ? double.NaN : num / den;
    }

    private static string Statuses(Summary s) => string.Join(", ", s.ByStatus.Select(kv => $"{(kv.Key == 0 ? "no response" : kv.Key.ToString(CultureInfo.InvariantCulture))}: {kv.Value}"));

    private static string Shape(Scenarios.LoadShape l) => l.Shape switch
    {
        Scenarios.ShapeKind.Ramp => string.Create(CultureInfo.InvariantCulture, $"{l.Rate} to {l.To} req/s"),
        Scenarios.ShapeKind.Step => string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", l.Steps)} req/s, {l.StepSeconds} s each"),
        Scenarios.ShapeKind.Spike => string.Create(CultureInfo.InvariantCulture, $"{l.Rate} req/s, {l.SpikeRate} req/s from {l.SpikeAtSeconds} s for {l.SpikeSeconds} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{l.Rate} req/s"),
    };

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown" : "unknown";

    private static double MemoryGb() =>
        File.Exists("/proc/meminfo") && File.ReadLines("/proc/meminfo").FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var kb, ..]
            ? double.Parse(kb, CultureInfo.InvariantCulture) / 1024 / 1024
            : double.NaN;

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Git(string arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(info)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (no git)";
        }
    }
}
