namespace GreenGateway.Inference.Models;

public sealed partial class TransformerModel
{
    private void CheckCall(ReadOnlySpan<int> tokens, Span<float> logits, long needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ForwardArguments.Check(tokens, logits, needed, Config.VocabSize);
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
