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

    /// <summary>
    /// A draw restricted by top-k and top-p without sorting the whole vocabulary: top-k keeps a heap of k, and
    /// top-p first drops tokens under (1 - p) / vocab, which can never be in the nucleus (all of them together
    /// hold less than 1 - p), then sorts the rest.
    /// </summary>
    private int Draw(ReadOnlySpan<float> logits)
    {
        var n = logits.Length;
        var inverseT = 1f / _options.Temperature;
        int count;
        if (_options.TopK > 0 && _options.TopK < n)
        {
            count = TopKByLogit(logits, _options.TopK);
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                _order[i] = i;
            }

            count = n;
        }

        // Probabilities over the candidates at temperature T.
        var max = float.NegativeInfinity;
        for (var i = 0; i < count; i++)
        {
            max = Math.Max(max, logits[_order[i]]);
        }

        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            _probs[i] = MathF.Exp((logits[_order[i]] - max) * inverseT);
            total += _probs[i];
        }

        for (var i = 0; i < count; i++)
        {
            _probs[i] = (float)(_probs[i] / total);
        }

        if (_options.TopP < 1)
        {
            count = Nucleus(count);
        }

        var r = (float)(_random.NextDouble() * Sum(count));
        for (var i = 0; i < count; i++)
        {
            r -= _probs[i];
            if (r < 0)
            {
                return _order[i];
            }
        }

        return _order[count - 1];
    }

    /// <summary>Puts the k tokens of highest logit in _order[0..k).</summary>
    private int TopKByLogit(ReadOnlySpan<float> logits, int k)
    {
        var heap = new PriorityQueue<int, float>(k + 1);
        for (var i = 0; i < logits.Length; i++)
        {
            if (heap.Count < k)
            {
                heap.Enqueue(i, logits[i]);
            }
            else if (heap.TryPeek(out _, out var smallest) && logits[i] > smallest)
            {
                heap.EnqueueDequeue(i, logits[i]);
            }
        }

        var count = 0;
        while (heap.TryDequeue(out var token, out _))
        {
            _order[count++] = token;
        }

        return count;
    }

    /// <summary>Keeps, most likely first, the fewest candidates whose probability reaches TopP.</summary>
    private int Nucleus(int count)
    {
        var floor = (1f - _options.TopP) / count;
        var kept = 0;
        for (var i = 0; i < count; i++)
        {
            if (_probs[i] >= floor)
            {
                _probs[kept] = _probs[i];
                _order[kept] = _order[i];
                kept++;
            }
        }

        // Descending by probability: sort ascending on the negated keys.
        for (var i = 0; i < kept; i++)
        {
            _probs[i] = -_probs[i];
        }

        Array.Sort(_probs, _order, 0, kept);
        var cumulative = 0f;
        for (var i = 0; i < kept; i++)
        {
            _probs[i] = -_probs[i];
            cumulative += _probs[i];
            if (cumulative >= _options.TopP)
            {
                return i + 1;
            }
        }

        return kept;
    }

    private float Sum(int count)
    {
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            sum += _probs[i];
        }

        return sum;
    }
}
