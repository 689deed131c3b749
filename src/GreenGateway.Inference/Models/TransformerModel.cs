using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

/// <summary>
/// A loaded decoder-only transformer (Llama, Mistral, Qwen2) on the CPU kernels. <see cref="Forward"/> runs any
/// number of new tokens of one sequence through the model against that sequence's <see cref="KvCache"/>: a
/// whole prompt at once (prefill) or one token (decode). Calls are serialized; each uses every kernel thread.
/// </summary>
public sealed partial class TransformerModel : IDisposable
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
        ObjectDisposedException.ThrowIf(_disposed, this);
        var n = tokens.Length;
        if (n == 0)
        {
            throw new ArgumentException("at least one token is needed.", nameof(tokens));
        }

        if (cache.Length + n > cache.Capacity)
        {
            throw new InvalidOperationException(
                $"the KV cache holds {cache.Capacity} positions; {cache.Length} are used and {n} more were given.");
        }

        if (Config.SlidingWindow is { } window && cache.Length + n > window)
        {
            throw new NotSupportedException($"sequences longer than the sliding window ({window}) are not supported.");
        }

        var needed = (long)(allPositions ? n : 1) * Config.VocabSize;
        if (logits.Length < needed)
        {
            throw new ArgumentException($"logits needs {needed} values, not {logits.Length}.", nameof(logits));
        }

        foreach (var t in tokens)
        {
            if ((uint)t >= (uint)Config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {t} is outside the vocabulary (0..{Config.VocabSize - 1}).");
            }
        }

        lock (_gate)
        {
            if (_scratch.Tokens < n)
            {
                _scratch = new ForwardScratch(Config, n);
            }

            RunForward(cache, tokens, logits, allPositions);
            cache.Append(tokens);
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
