using BenchmarkDotNet.Attributes;
using GreenGateway.Core.Routing;
using GreenGateway.Semantics.Embeddings;
using GreenGateway.Semantics.Routing;

namespace GreenGateway.Benchmarks.Semantics;

/// <summary>
/// The router's prediction (the shipped models/router/router.zip, through the engine pool) and the prompt embedding
/// (all-MiniLM-L6-v2 on ONNX Runtime, one prompt per call): the two costs the planner and the cache add to a request.
/// </summary>
[MemoryDiagnoser]
public class SemanticsBenchmarks
{
    private MlNetRouter _router = null!;
    private OnnxSentenceEmbedder _embedder = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
        {
            dir = dir.Parent;
        }

        _router = MlNetRouter.Load(Path.Combine(dir?.FullName ?? throw new InvalidOperationException("GreenGateway.sln not found"), "models", "router", "router.zip"));
        _embedder = new OnnxSentenceEmbedder(new SentenceEmbedderOptions { Threads = 1 });
    }

    [GlobalCleanup]
    public void Cleanup() => _embedder.Dispose();

    [Benchmark]
    public TierPrediction RouterPredict() => _router.Predict("What does System.String.TrimEnd return when the string is empty?");

    [Benchmark]
    public float[] EmbedPrompt() => _embedder.EmbedAsync("What does System.String.TrimEnd return when the string is empty?", CancellationToken.None).AsTask().GetAwaiter().GetResult();
}
