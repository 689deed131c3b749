namespace GreenGateway.Inference.Models;

/// <summary>The argument checks of <see cref="IModelBackend"/>'s Forward and ForwardBatch, the same for every backend.</summary>
internal static class ForwardArguments
{
    /// <summary>At least one token, every one inside the vocabulary, and room for <paramref name="needed"/> logits.</summary>
    public static void Check(ReadOnlySpan<int> tokens, Span<float> logits, long needed, int vocabSize)
    {
        if (tokens.Length == 0)
        {
            throw new ArgumentException("at least one token is needed.", nameof(tokens));
        }

        if (logits.Length < needed)
        {
            throw new ArgumentException($"logits needs {needed} values, not {logits.Length}.", nameof(logits));
        }

        foreach (var t in tokens)
        {
            if ((uint)t >= (uint)vocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {t} is outside the vocabulary (0..{vocabSize - 1}).");
            }
        }
    }

    /// <summary>One cache per token, each sequence once.</summary>
    public static void CheckBatch(IReadOnlyList<KvCache> caches, int tokens)
    {
        ArgumentNullException.ThrowIfNull(caches);
        if (caches.Count != tokens)
        {
            throw new ArgumentException($"{caches.Count} caches were given for {tokens} tokens; one each is needed.", nameof(caches));
        }

        for (var i = 0; i < caches.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (ReferenceEquals(caches[i], caches[j]))
                {
                    throw new ArgumentException("a batch holds each sequence once; use Forward for several tokens of one sequence.", nameof(caches));
                }
            }
        }
    }
}
