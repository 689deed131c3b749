namespace GreenGateway.Inference.Models;

/// <summary>
/// A backend that can take the argmax where the logits are (on a GPU) and hand back token ids only: a greedy step
/// then copies 4 bytes a sequence instead of the vocabulary. Greedy verification of k drafted tokens is
/// <see cref="ForwardGreedy"/> over them. The engine uses it for greedy generations that ask for no
/// log-probabilities.
/// </summary>
public interface IGreedyDecoding
{
    /// <summary>Appends <paramref name="tokens"/> to <paramref name="cache"/> and writes the most likely next token after each of them.</summary>
    void ForwardGreedy(KvCache cache, ReadOnlySpan<int> tokens, Span<int> next);

    /// <summary>One decode step of several sequences (token i to caches[i]); next[i] = the most likely token after it.</summary>
    void DecodeGreedy(IReadOnlyList<KvCache> caches, ReadOnlySpan<int> tokens, Span<int> next);
}
