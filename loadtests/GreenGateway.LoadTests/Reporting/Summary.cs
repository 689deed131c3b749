using GreenGateway.LoadTests.Load;

namespace GreenGateway.LoadTests.Reporting;

/// <summary>What one measured run (or the merge of several blocks) amounts to.</summary>
internal sealed class Summary
{
    private readonly double[] _latencies;

    public Summary(IReadOnlyList<Completed> results)
    {
        Results = results;
        _latencies = results.Select(r => r.LatencyMs).Order().ToArray();
        Seconds = results.Count == 0 ? 0 : results.Max(r => r.DoneS) - results.Min(r => r.DueS);
        foreach (var r in results)
        {
            var status = r.Result.Status;
            ByStatus[status] = ByStatus.GetValueOrDefault(status) + 1;
            if (r.Result.Tier is { } tier && status is >= 200 and < 300)
            {
                ByTier[tier] = ByTier.GetValueOrDefault(tier) + 1;
            }
        }

        var priced = results.Where(r => r.Result.Status is >= 200 and < 300 && !double.IsNaN(r.Result.EnergyJ)).ToList();
        Priced = priced.Count;
        EnergyJ = priced.Sum(r => r.Result.EnergyJ);
        CarbonG = priced.Where(r => !double.IsNaN(r.Result.CarbonG)).Sum(r => r.Result.CarbonG);
    }

    public IReadOnlyList<Completed> Results { get; }

    public int Count => Results.Count;

    public double Seconds { get; }

    public double Throughput => Seconds > 0 ? Count / Seconds : 0;

    /// <summary>Responses by HTTP status; 0 counts requests that got none.</summary>
    public SortedDictionary<int, int> ByStatus { get; } = [];

    /// <summary>Successful responses by X-GG-Tier.</summary>
    public SortedDictionary<string, int> ByTier { get; } = new(StringComparer.Ordinal);

    /// <summary>Successful responses that carried energy figures.</summary>
    public int Priced { get; }

    public double EnergyJ { get; }

    public double CarbonG { get; }

    public int Successes => ByStatus.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value);

    public int ServerErrors => ByStatus.Where(s => s.Key is 0 or >= 500).Sum(s => s.Value);

    /// <summary>Failures other than an expected refusal (429).</summary>
    public int Errors => ByStatus.Where(s => s.Key is not (>= 200 and < 300) and not 429).Sum(s => s.Value);

    public double Percentile(double p)
    {
        if (_latencies.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * _latencies.Length) - 1;
        return _latencies[Math.Clamp(rank, 0, _latencies.Length - 1)];
    }

    /// <summary>The run cut into one-second buckets by completion time.</summary>
    public IReadOnlyList<Bucket> Buckets()
    {
        var buckets = new List<Bucket>();
        foreach (var group in Results.GroupBy(r => (int)Math.Floor(r.DoneS)).OrderBy(g => g.Key))
        {
            var summary = new Summary(group.ToList());
            buckets.Add(new Bucket(group.Key, summary));
        }

        return buckets;
    }
}

internal sealed record Bucket(int Second, Summary Summary);
