using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

/// <summary>
/// A loaded decoder-only transformer (Llama, Mistral, Qwen2) on the CPU kernels. <see cref="Forward"/> runs any
/// number of new tokens of one sequence through the model against that sequence's <see cref="KvCache"/>: a
/// whole prompt at once (prefill) or one token (decode). Calls are serialized; each uses every kernel thread.
/// </summary>
public sealed partial class TransformerModel : IModelBackend
{
    private readonly ComputePool _pool;
    private readonly RotaryEmbedding _rope;
    private readonly Lock _gate = new();
    private readonly MatMulWork _matMul = new();
    private readonly AttentionWork _attention = new();
    private ForwardScratch _scratch;
    private bool _disposed;

    internal TransformerModel(ModelConfig config, TransformerWeights weights, int threads, RotaryEmbedding? rope = null)
    {
        Config = config;
        Weights = weights;
        _pool = new ComputePool(Math.Max(1, threads));
        _rope = rope ?? new RotaryEmbedding(config);
        _scratch = new ForwardScratch(config, 1);
    }

    public ModelConfig Config { get; }

    /// <summary>Always <c>cpu</c>.</summary>
    public string Name => "cpu";

    /// <summary>Kernel threads this model uses.</summary>
    public int Threads => _pool.Threads;

    /// <summary>How the layer matrices are stored (F32, Int8, Q4_0).</summary>
    public WeightFormat WeightFormat => Weights.Layers[0].Qkv.Format;

    /// <summary>Bytes of weights that one decoded token reads: the floor that memory bandwidth sets.</summary>
    public long WeightBytesPerToken => Weights.BytesPerToken;

    internal TransformerWeights Weights { get; }

    internal ReadOnlySpan<float> InverseFrequencies => _rope.InverseFrequenciesSpan;

    /// <summary>A cache for one sequence of up to <paramref name="capacity"/> positions.</summary>
    public KvCache CreateCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return new KvCache(Config.NumLayers, Config.KvDim, capacity);
    }

    /// <summary>
    /// Appends <paramref name="tokens"/> to the sequence in <paramref name="cache"/> and writes logits: for every new
    /// position (n * vocab, <paramref name="allPositions"/>, e.g. prompt log-probabilities) or for the last one (vocab).
    /// </summary>
    public void Forward(KvCache cache, ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions = false)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var n = tokens.Length;
        CheckCall(tokens, logits, (long)(allPositions ? n : 1) * Config.VocabSize);
        CheckRoom(cache, n);
        lock (_gate)
        {
            var s = Scratch(n);
            for (var t = 0; t < n; t++)
            {
                s.RowCache[t] = cache;
                s.RowPosition[t] = cache.Length + t;
            }

            RunForward(tokens, logits, allPositions);
            cache.Append(tokens);
        }
    }

    /// <summary>
    /// One decode step for several sequences at once: token i is appended to <paramref name="caches"/>[i] and its
    /// logits written to row i of <paramref name="logits"/> (n * vocab). The weights are read once for all of them,
    /// which is what makes concurrent generations cheaper than one after another.
    /// </summary>
    public void ForwardBatch(IReadOnlyList<KvCache> caches, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        var n = tokens.Length;
        ForwardArguments.CheckBatch(caches, n);
        CheckCall(tokens, logits, (long)n * Config.VocabSize);
        for (var i = 0; i < n; i++)
        {
            CheckRoom(caches[i], 1);
        }

        lock (_gate)
        {
            var s = Scratch(n);
            for (var t = 0; t < n; t++)
            {
                s.RowCache[t] = caches[t];
                s.RowPosition[t] = caches[t].Length;
            }

            RunForward(tokens, logits, allPositions: true);
            for (var t = 0; t < n; t++)
            {
                caches[t].Append(tokens.Slice(t, 1));
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_gate)
        {
            _pool.Dispose();
            Weights.Dispose();
        }
    }
}
