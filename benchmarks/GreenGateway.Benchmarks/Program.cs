using BenchmarkDotNet.Running;

namespace GreenGateway.Benchmarks;

/// <summary>
/// Runs the benchmarks chosen on the command line (BenchmarkDotNet's switcher: --filter '*Name*'), or the bounded
/// cache-scale measurement (<c>cache-scale HOST:PORT ENTRIES LOOKUPS</c>) or the embedding latency (<c>embed-latency COUNT CONCURRENCY</c>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["cache-scale", var endpoint, var entries, var lookups])
        {
            return await Redis.CacheScale.RunAsync(endpoint, int.Parse(entries, System.Globalization.CultureInfo.InvariantCulture), int.Parse(lookups, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["embed-latency", var count, var concurrency])
        {
            return await Semantics.EmbeddingLatency.RunAsync(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), int.Parse(concurrency, System.Globalization.CultureInfo.InvariantCulture));
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
