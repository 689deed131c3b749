using BenchmarkDotNet.Running;

namespace GreenGateway.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line (BenchmarkDotNet's switcher: --filter '*Name*'), or the bounded
/// cache-scale measurement (<c>cache-scale HOST:PORT ENTRIES LOOKUPS</c>) or the embedding latency (<c>embed-latency COUNT CONCURRENCY [THREADS [MODEL.onnx]]</c>, the model's vocab.txt beside it).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["cache-scale", var endpoint, var entries, var lookups])
        {
            return await Redis.CacheScale.RunAsync(endpoint, int.Parse(entries, System.Globalization.CultureInfo.InvariantCulture), int.Parse(lookups, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["embed-latency", var count, var concurrency, .. var rest])
        {
            return await Semantics.EmbeddingLatency.RunAsync(
                int.Parse(count, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(concurrency, System.Globalization.CultureInfo.InvariantCulture),
                rest.Length > 0 ? int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture) : 0,
                rest.Length > 1 ? rest[1] : null);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
