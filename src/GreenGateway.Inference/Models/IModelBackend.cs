namespace GreenGateway.Inference.Models;

/// <summary>
/// What the generation loop needs from a model: forward passes against per-sequence KV caches. The CPU
/// <see cref="TransformerModel"/> is the reference implementation; the CUDA backend (GreenGateway.Inference.Cuda)
/// is another. Implementations serialize their own calls and are safe to share between threads.
/// </summary>
public interface IModelBackend : IDisposable
{
    /// <summary>Where the forward pass runs: <c>cpu</c> or <c>cuda</c>.</summary>
    string Name { get; }

    ModelConfig Config { get; }

    /// <summary>Bytes of weights that one decoded token reads: the floor that memory bandwidth sets.</summary>
    long WeightBytesPerToken { get; }

    /// <summary>A cache for one sequence of up to <paramref name="capacity"/> positions, held where this backend computes.</summary>
    KvCache CreateCache(int capacity);

    /// <summary>
    /// Appends <paramref name="tokens"/> to the sequence in <paramref name="cache"/> and writes logits: for every new
    /// position (n * vocab, <paramref name="allPositions"/>) or for the last one (vocab).
    /// </summary>
    void Forward(KvCache cache, ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions = false);

    /// <summary>One decode step of several sequences: token i goes to <paramref name="caches"/>[i], its logits to row i.</summary>
    void ForwardBatch(IReadOnlyList<KvCache> caches, ReadOnlySpan<int> tokens, Span<float> logits);
}
