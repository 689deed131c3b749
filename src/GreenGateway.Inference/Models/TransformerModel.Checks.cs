namespace GreenGateway.Inference.Models;

public sealed partial class TransformerModel
{
    private void CheckCall(ReadOnlySpan<int> tokens, Span<float> logits, long needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
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
            if ((uint)t >= (uint)Config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {t} is outside the vocabulary (0..{Config.VocabSize - 1}).");
            }
        }
    }

    private void CheckRoom(KvCache cache, int n)
    {
        if (cache.KvDim != Config.KvDim || cache.Keys.Length != Config.NumLayers)
        {
            throw new ArgumentException("the KV cache was made for another model.", nameof(cache));
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
    }

    private ForwardScratch Scratch(int n)
    {
        if (_scratch.Tokens < n)
        {
            _scratch = new ForwardScratch(Config, n);
        }

        return _scratch;
    }
}
