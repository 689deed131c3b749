using GreenGateway.Core.Batches;
using YamlDotNet.RepresentationModel;

namespace GreenGateway.Core.Policies;

public static partial class PolicyParser
{
    private static readonly string[] BatchKeys = ["concurrency", "requests_per_second", "carbon_aware", "budget"];

    /// <summary><c>batches: { concurrency: 2, requests_per_second: 5, carbon_aware: true, budget: throttle }</c> (docs/batches.md).</summary>
    private static BatchPolicy ReadBatches(Reader r, string id, YamlMappingNode tenant)
    {
        if (Child(tenant, "batches") is not { } node)
        {
            return BatchPolicy.Default;
        }

        if (node is not YamlMappingNode map)
        {
            r.Error(node, $"tenant '{id}': batches is a mapping with {string.Join(", ", BatchKeys)}");
            return BatchPolicy.Default;
        }

        UnknownKeys(r, map, BatchKeys, $"tenant '{id}': batches");
        var policy = BatchPolicy.Default;
        if (ReadPositive(r, id, map, "concurrency", "batches") is { } concurrency)
        {
            if (concurrency is < 1 or > 1024 || concurrency != Math.Floor(concurrency))
            {
                r.Error(Child(map, "concurrency")!, $"tenant '{id}': batches.concurrency must be a whole number from 1 to 1024, not {concurrency}");
            }

            policy = policy with { Concurrency = (int)Math.Clamp(concurrency, 1, 1024) };
        }

        if (ReadPositive(r, id, map, "requests_per_second", "batches") is { } rate)
        {
            if (rate is <= 0 or > 100_000)
            {
                r.Error(Child(map, "requests_per_second")!, $"tenant '{id}': batches.requests_per_second must be > 0 and at most 100000, not {rate}");
            }

            policy = policy with { RequestsPerSecond = rate };
        }

        if (Child(map, "carbon_aware") is { } awareNode)
        {
            switch (r.Scalar(awareNode, $"tenant '{id}': batches.carbon_aware"))
            {
                case "true": policy = policy with { CarbonAware = true }; break;
                case "false": policy = policy with { CarbonAware = false }; break;
                case { } other: r.Error(awareNode, $"tenant '{id}': batches.carbon_aware is true or false, not '{other}'"); break;
            }
        }

        if (Child(map, "budget") is { } budgetNode)
        {
            switch (r.Scalar(budgetNode, $"tenant '{id}': batches.budget"))
            {
                case "throttle": policy = policy with { Budget = BatchBudgetMode.Throttle }; break;
                case "reserve_whole": policy = policy with { Budget = BatchBudgetMode.ReserveWhole }; break;
                case { } other: r.Error(budgetNode, $"tenant '{id}': batches.budget is throttle or reserve_whole, not '{other}'"); break;
            }
        }

        return policy;
    }
}
