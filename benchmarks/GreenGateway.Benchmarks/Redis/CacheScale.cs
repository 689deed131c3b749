using System.Diagnostics;
using GreenGateway.Core.Cache;
using GreenGateway.Redis.Cache;
using StackExchange.Redis;

namespace GreenGateway.Benchmarks.Redis;

/// <summary>
/// A bounded measurement, not a BenchmarkDotNet run: one partition filled with N entries (random unit vectors of the
/// MiniLM's 384 dimensions, so that the index does the same work as with real prompts), then L sequential lookups, half
/// near a stored vector (hits) and half random (misses), each timed end to end (Redis round trips included, the
/// embedding excluded: it is measured on its own). Run it against a server you started:
/// <c>dotnet run -c Release --project benchmarks/GreenGateway.Benchmarks -- cache-scale 127.0.0.1:6390 10000 1000</c>.
/// </summary>
internal static class CacheScale
{
    private const int Dimensions = 384;

    public static async Task<int> RunAsync(string endpoint, int entries, int lookups)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var embedder = new TableEmbedder();
        var cache = new RedisSemanticCache(redis, embedder,
            new SemanticCacheOptions { SimilarityThreshold = 0.8, LexicalGuard = false, MaxEntriesPerPartition = entries * 2 },
            new RedisSemanticCacheOptions { KeyPrefix = "ggscale" + Guid.NewGuid().ToString("N")[..8] });
        var partition = new CachePartition("scale", "m", "p", "c");
        var random = new Random(16);
        var stored = new float[entries][];
        var started = Stopwatch.GetTimestamp();
        var answer = new CachedAnswer("m", "answer", "stop", "{}", 1, 1, 1, 1);
        for (var i = 0; i < entries; i += 64)
        {
            var batch = new List<Task>();
            for (var j = i; j < Math.Min(entries, i + 64); j++)
            {
                stored[j] = RandomUnit(random);
                var prompt = $"stored question {j}";
                embedder.Table[prompt] = stored[j];
                batch.Add(cache.StoreAsync(new CacheQuery(partition, prompt, 0), answer, CancellationToken.None).AsTask());
            }

            await Task.WhenAll(batch);
        }

        Console.WriteLine($"{entries} entries stored in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s; engine {cache.Engine}");
        var times = new double[lookups];
        var hits = 0;
        for (var i = -50; i < lookups; i++)
        {
            // A query near a stored vector (cosine about 0.95) or a random one.
            var near = i % 2 == 0;
            var vector = near ? Perturb(stored[random.Next(entries)], random, 0.3f) : RandomUnit(random);
            var prompt = $"query {i}";
            var query = new CacheQuery(partition, prompt, 0) { Embedding = new PromptEmbedding(new FixedEmbedder(vector), prompt) };
            var t = Stopwatch.GetTimestamp();
            var result = await cache.LookupAsync(query, CancellationToken.None);
            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                hits += result.IsHit ? 1 : 0;
            }
        }

        Array.Sort(times);
        Console.WriteLine($"{lookups} lookups ({hits} hits): p50 {times[lookups / 2]:0.00} ms, p90 {times[(int)(lookups * 0.9)]:0.00} ms, p99 {times[(int)(lookups * 0.99)]:0.00} ms, max {times[^1]:0.00} ms");
        return 0;
    }

    private static float[] RandomUnit(Random random)
    {
        var v = new float[Dimensions];
        for (var d = 0; d < Dimensions; d++)
        {
            v[d] = (float)((random.NextDouble() * 2) - 1);
        }

        VectorMath.Normalize(v);
        return v;
    }

    private static float[] Perturb(float[] vector, Random random, float scale)
    {
        var noise = RandomUnit(random);
        var v = new float[Dimensions];
        for (var d = 0; d < Dimensions; d++)
        {
            v[d] = vector[d] + (scale * noise[d]);
        }

        VectorMath.Normalize(v);
        return v;
    }

    /// <summary>Vectors looked up by prompt (the stores' embeddings).</summary>
    private sealed class TableEmbedder : IEmbedder
    {
        public Dictionary<string, float[]> Table { get; } = [];

        public int Dimensions => CacheScale.Dimensions;

        public string Name => "scale:384";

        public ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken) => new(Table[text]);
    }

    /// <summary>One query's vector, under the same name as the table's so that the cache takes it as the request's embedding.</summary>
    private sealed class FixedEmbedder(float[] vector) : IEmbedder
    {
        public int Dimensions => CacheScale.Dimensions;

        public string Name => "scale:384";

        public ValueTask<float[]> EmbedAsync(string text, CancellationToken cancellationToken) => new(vector);
    }
}
