using GreenGateway.Cli.Workloads;

namespace GreenGateway.Cli.Bench;

/// <summary>One workload item's two answers: the full cascade's and the large model's alone.</summary>
internal sealed record BenchItemResult(WorkloadItem Item, BenchResponse Cascade, BenchResponse Upstream, bool CascadeFirst);

/// <summary>
/// Runs a workload through the gateway twice in the same run, one request at a time: the full cascade and
/// <c>X-GG-Tiers: upstream</c>. The order alternates per item, so that warm caches, clock drift and the other
/// load on the machine fall on both arms alike.
/// </summary>
internal sealed class BenchRunner(BenchClient client)
{
    /// <summary>A prompt sent to the large model alone before the run, so that first-request costs (JIT, page faults) are not measured.</summary>
    public const string WarmUpPrompt = "What does System.Object.ToString do?";

    /// <summary>
    /// A prompt sent through the cascade before the run, to warm the draft and the speculative path. It is about
    /// nothing the workload asks, so the cache entry it may leave cannot answer a workload item.
    /// </summary>
    public const string CascadeWarmUpPrompt = "Summarize the benefits of unit testing in one sentence.";

    /// <param name="blocks">All items through the cascade first, then all through the large model alone (as a user who
    /// switches the gateway in front of their model meets it: the cascade learns nothing from the other arm), instead of
    /// alternating per item.</param>
    public async Task<IReadOnlyList<BenchItemResult>> RunAsync(IReadOnlyList<WorkloadItem> items, int warmUps, IProgress<int>? progress, CancellationToken cancellationToken,
        bool blocks = false)
    {
        var warmUp = new WorkloadItem { Id = "warm-up", Messages = [new ChatTurn("user", WarmUpPrompt)] };
        var cascadeWarmUp = new WorkloadItem { Id = "warm-up-cascade", Messages = [new ChatTurn("user", CascadeWarmUpPrompt)] };
        for (var i = 0; i < warmUps; i++)
        {
            // The large model alone leaves nothing in the semantic cache.
            await client.SendAsync(warmUp, upstreamOnly: true, cancellationToken);
            await client.SendAsync(cascadeWarmUp, upstreamOnly: false, cancellationToken);
        }

        var results = new List<BenchItemResult>(items.Count);
        if (blocks)
        {
            var cascades = new List<BenchResponse>(items.Count);
            foreach (var item in items)
            {
                cascades.Add(await client.SendAsync(item, upstreamOnly: false, cancellationToken));
                progress?.Report(cascades.Count);
            }

            for (var i = 0; i < items.Count; i++)
            {
                results.Add(new BenchItemResult(items[i], cascades[i], await client.SendAsync(items[i], upstreamOnly: true, cancellationToken), CascadeFirst: true));
                progress?.Report(items.Count + i + 1);
            }

            return results;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var cascadeFirst = i % 2 == 0;
            BenchResponse cascade, upstream;
            if (cascadeFirst)
            {
                cascade = await client.SendAsync(items[i], upstreamOnly: false, cancellationToken);
                upstream = await client.SendAsync(items[i], upstreamOnly: true, cancellationToken);
            }
            else
            {
                upstream = await client.SendAsync(items[i], upstreamOnly: true, cancellationToken);
                cascade = await client.SendAsync(items[i], upstreamOnly: false, cancellationToken);
            }

            results.Add(new BenchItemResult(items[i], cascade, upstream, cascadeFirst));
            progress?.Report(i + 1);
        }

        return results;
    }
}
