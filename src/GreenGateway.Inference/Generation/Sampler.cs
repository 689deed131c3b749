using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Generation;

/// <summary>
/// Picks tokens from logits: greedy at temperature 0, else a seeded draw from softmax(logits / T) restricted
/// to the top k and then to the nucleus of mass p (the order Hugging Face's TopK then TopP warpers apply).
/// </summary>
internal sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;
    private readonly float[] _logprobs;
    private readonly int[] _order;
    private readonly float[] _probs;

    public Sampler(SamplingOptions options, int vocab)
    {
        _options = options;
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        _logprobs = new float[vocab];
        _order = new int[vocab];
        _probs = new float[vocab];
    }

    /// <summary>Chooses a token and reports its log-probability and the top alternatives under the raw distribution.</summary>
    public int Sample(ReadOnlySpan<float> logits, out float logprob, out TokenLogprob[] top)
    {
        VectorOps.LogSoftmax(logits, _logprobs);
        var token = _options.Temperature == 0 ? ArgMax(logits) : Draw(logits);
        logprob = _logprobs[token];
        top = TopLogprobs(_logprobs, _options.TopLogprobs, _order);
        return token;
    }

    /// <summary>The <paramref name="count"/> most likely tokens, most likely first.</summary>
    internal static TokenLogprob[] TopLogprobs(float[] logprobs, int count, int[] scratch)
    {
        if (count == 0)
        {
            return [];
        }

        var best = new TokenLogprob[count];
        var filled = 0;
        for (var i = 0; i < logprobs.Length; i++)
        {
            if (filled == count && logprobs[i] <= best[count - 1].Logprob)
            {
                continue;
            }

            var at = filled < count ? filled++ : count - 1;
            while (at > 0 && best[at - 1].Logprob < logprobs[i])
            {
                best[at] = best[at - 1];
                at--;
            }

            best[at] = new TokenLogprob(i, logprobs[i]);
        }

        return best[..filled];
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private int Draw(ReadOnlySpan<float> logits)
    {
        var n = logits.Length;
        for (var i = 0; i < n; i++)
        {
            _order[i] = i;
            _probs[i] = logits[i] / _options.Temperature;
        }

        var keep = n;
        if (_options.TopK > 0 || _options.TopP < 1)
        {
            Array.Sort(_probs, _order, 0, n);
            Array.Reverse(_probs, 0, n);
            Array.Reverse(_order, 0, n);
            if (_options.TopK > 0)
            {
                keep = Math.Min(keep, _options.TopK);
            }
        }

        var span = _probs.AsSpan(0, keep);
        VectorOps.Softmax(span);
        if (_options.TopP < 1)
        {
            var cumulative = 0f;
            for (var i = 0; i < keep; i++)
            {
                cumulative += span[i];
                if (cumulative >= _options.TopP)
                {
                    keep = i + 1;
                    break;
                }
            }

            span = _probs.AsSpan(0, keep);
            var total = 0f;
            foreach (var p in span)
            {
                total += p;
            }

            for (var i = 0; i < keep; i++)
            {
                span[i] /= total;
            }
        }

        var r = (float)_random.NextDouble();
        for (var i = 0; i < keep; i++)
        {
            r -= span[i];
            if (r < 0)
            {
                return _order[i];
            }
        }

        return _order[keep - 1];
    }
}
