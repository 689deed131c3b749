using System.Globalization;
using GreenGateway.LoadTests.Load;

namespace GreenGateway.LoadTests.Scenarios;

/// <summary>One objective: what was asked, what was measured, whether it held.</summary>
internal sealed record ObjectiveResult(string Name, string Target, string Actual, bool Met);

/// <summary>Evaluates a scenario's objectives against its outcome.</summary>
internal static class ObjectiveCheck
{
    public static List<ObjectiveResult> Evaluate(RunOutcome outcome)
    {
        var slo = outcome.Scenario.Slo;
        var g = outcome.Gateway;
        var results = new List<ObjectiveResult>();
        void Add(string name, string target, double actual, bool met) => results.Add(new(name, target, actual.ToString("0.###", CultureInfo.InvariantCulture), met));

        if (slo.P50Ms is { } p50)
        {
            Add("p50 latency (ms)", $"< {p50}", g.Percentile(50), g.Percentile(50) < p50);
        }

        if (slo.P99Ms is { } p99)
        {
            Add("p99 latency (ms)", $"< {p99}", g.Percentile(99), g.Percentile(99) < p99);
        }

        if (slo.No5xx)
        {
            Add("5xx and transport errors", "0", g.ServerErrors, g.ServerErrors == 0);
        }

        if (slo.MaxErrorRate is { } rate)
        {
            var actual = g.Count == 0 ? 1 : (double)g.Errors / g.Count;
            Add("error rate (not 429)", $"<= {rate}", actual, actual <= rate);
        }

        if (slo.MinThroughput is { } throughput)
        {
            Add("throughput (req/s)", $">= {throughput}", g.Throughput, g.Throughput >= throughput);
        }

        if (slo.MinCacheShareAtEnd is { } share)
        {
            var end = g.Results.Where(r => r.DueS >= outcome.Scenario.Load.DurationSeconds * 0.75).ToList();
            var actual = end.Count == 0 ? 0 : (double)end.Count(r => r.Result.Tier == "cache") / end.Count;
            Add("cache share, last quarter", $">= {share}", actual, actual >= share);
        }

        if (slo.MaxMemoryGrowthMb is { } growth && outcome.Processes.Count > 0)
        {
            var samples = outcome.Processes[0].Samples.Where(s => s.Seconds >= outcome.RunStartS).ToList();
            var actual = samples.Count < 2 ? double.NaN : samples[^1].RssMb - samples[0].RssMb;
            Add("gateway RSS growth (MB)", $"<= {growth}", actual, actual <= growth);
        }

        if (slo.Budget is { } budget && outcome.Ledger is { LimitJ: { } limit } ledger)
        {
            EvaluateBudget(outcome, budget, ledger, limit, Add);
        }

        if (outcome.KilledAtS is { } killedAt)
        {
            // nginx stops sending to the dead replica at its first refused connection; allow one second.
            var after = g.Results.Where(r => r.DueS >= killedAt + 1).ToList();
            var failed = after.Count(r => r.Result.Status is not ((>= 200 and < 300) or 429));
            Add("failures due > 1 s after the kill", "0", failed, failed == 0 && after.Count > 0);
        }

        return results;
    }

    private static void EvaluateBudget(RunOutcome outcome, BudgetObjective budget, LedgerUsage ledger, double limit, Action<string, string, double, bool> add)
    {
        var mine = outcome.Gateway.Results.Where(r => r.Result.Tenant == budget.Tenant).ToList();
        var charged = mine.Where(r => r.Result.Status is >= 200 and < 300).Sum(r => r.Result.EnergyJ);
        var overspend = ledger.ConsumedJ - limit;
        add("ledger overspend (J)", $"<= one reservation, {budget.MaxReservationJ}", overspend, overspend <= budget.MaxReservationJ);

        // Every answer the clients got was charged (figures are printed rounded). Nothing else was either,
        // except requests that failed without an answer (a replica killed after the upstream answered and
        // the charge was settled, before the response got out): the energy was spent, so the ledger may
        // hold their charge, at most one reservation each.
        var tolerance = 1e-6 * Math.Max(1, ledger.ConsumedJ) + (1e-4 * mine.Count);
        var unanswered = mine.Count(r => r.Result.Status is 0 or >= 500);
        var allowance = tolerance + (unanswered * budget.MaxReservationJ);
        var difference = ledger.ConsumedJ - charged;
        add("ledger minus charges seen by clients (J)", unanswered == 0 ? $"|x| <= {tolerance:0.####}" : $"{-tolerance:0.####} <= x <= {allowance:0.###} ({unanswered} unanswered)", difference, difference >= -tolerance && difference <= allowance);

        // No refusal before the budget was spent: when the first 429 came back, what had been charged
        // plus one reservation per request still in flight had reached the limit.
        var refusals = mine.Where(r => r.Result.Status == 429).OrderBy(r => r.DoneS).ToList();
        if (refusals.Count == 0)
        {
            add("429s", "> 0 (the budget is spent)", 0, false);
            return;
        }

        var first = refusals[0];
        // A request answered just before may not have settled yet (settling follows the response): the
        // ledger still held its reservation, so it counts as one.
        var spentBefore = mine.Where(r => r.Result.Status is >= 200 and < 300 && r.DoneS < first.DoneS)
            .Sum(r => r.DoneS >= first.DoneS - 1 ? Math.Max(r.Result.EnergyJ, budget.MaxReservationJ) : r.Result.EnergyJ);
        var inFlight = mine.Count(r => r.DueS <= first.DoneS && r.DoneS > first.DoneS && r.Result.Status is >= 200 and < 300);
        var bound = spentBefore + (inFlight * budget.MaxReservationJ);
        add("charged + in-flight reservations at the first 429 (J)", $">= limit {limit:0.###}", bound, bound >= limit * (1 - 1e-9));
        add("requests refused (429)", "> 0", refusals.Count, true);
    }
}
