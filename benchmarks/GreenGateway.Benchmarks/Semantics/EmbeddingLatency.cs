using System.Diagnostics;
using GreenGateway.Semantics.Embeddings;

namespace GreenGateway.Benchmarks.Semantics;

/// <summary>
/// A bounded measurement of what the embedding adds to a cacheable request: N prompts of the cache evaluation set
/// embedded one after another (p50/p99 per prompt), then the same prompts C at a time (the batching queue's effect on
/// per-request latency and throughput). <c>-- embed-latency 500 8</c>.
/// </summary>
internal static class EmbeddingLatency
{
    public static async Task<int> RunAsync(int count, int concurrency, int threads = 0, string? modelPath = null)
    {
        var prompts = File.ReadLines(Path.Combine(Root(), "tools", "cache-eval", "pairs-test.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("query").GetString()!).Distinct().Take(count).ToArray();
        using var embedder = new OnnxSentenceEmbedder(new SentenceEmbedderOptions
        {
            Threads = threads,
            ModelPath = modelPath,
            VocabPath = modelPath is null ? null : Path.Combine(Path.GetDirectoryName(modelPath)!, "vocab.txt"),
        });
        var process = Process.GetCurrentProcess();
        for (var i = 0; i < 20; i++)
        {
            await embedder.EmbedAsync(prompts[i % prompts.Length], CancellationToken.None);
        }

        var times = new double[prompts.Length];
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        for (var i = 0; i < prompts.Length; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await embedder.EmbedAsync(prompts[i], CancellationToken.None);
            times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        process.Refresh();
        Report("one at a time", times);
        Console.WriteLine($"  {(process.TotalProcessorTime - cpu0).TotalMilliseconds / prompts.Length:0.00} ms of CPU a prompt (threads {threads}: 0 is ONNX Runtime's choice)");
        var cpu1 = process.TotalProcessorTime;
        var (batches0, texts0) = embedder.Counts;
        var concurrent = new double[prompts.Length];
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < prompts.Length)
            {
                var t = Stopwatch.GetTimestamp();
                await embedder.EmbedAsync(prompts[i], CancellationToken.None);
                concurrent[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (batches, texts) = embedder.Counts;
        Report($"{concurrency} at a time", concurrent);
        process.Refresh();
        Console.WriteLine($"  {prompts.Length / seconds:0} prompts/s, mean batch {(double)(texts - texts0) / (batches - batches0):0.0}, {(process.TotalProcessorTime - cpu1).TotalMilliseconds / prompts.Length:0.00} ms of CPU a prompt");
        return 0;
    }

    private static void Report(string what, double[] times)
    {
        var sorted = times.Order().ToArray();
        Console.WriteLine($"{what}: {sorted.Length} prompts, p50 {sorted[sorted.Length / 2]:0.00} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:0.00} ms");
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("GreenGateway.sln not found");
    }
}
