using System.Numerics.Tensors;

namespace GreenGateway.ModelHost.Serving;

/// <summary>Log-softmax, ranks and top-n over one row of logits.</summary>
internal static class LogprobMath
{
    /// <summary>Top alternatives stored per scored position; requests may ask for up to this many (vLLM caps at 20 too).</summary>
    public const int MaxTop = 20;

    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        var max = TensorPrimitives.Max(logits);
        var sum = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            sum += Math.Exp(logits[i] - max);
        }

        var shift = max + (float)Math.Log(sum);
        TensorPrimitives.Subtract(logits, shift, destination);
    }

    /// <summary>1 + the number of tokens strictly more likely than <paramref name="token"/> (vLLM's rank).</summary>
    public static int Rank(ReadOnlySpan<float> logprobs, int token)
    {
        var value = logprobs[token];
        var rank = 1;
        for (var i = 0; i < logprobs.Length; i++)
        {
            if (logprobs[i] > value)
            {
                rank++;
            }
        }

        return rank;
    }

    /// <summary>The <paramref name="count"/> most likely tokens, most likely first (ties: lower id first).</summary>
    public static TopEntry[] Top(ReadOnlySpan<float> logprobs, int count)
    {
        count = Math.Min(count, logprobs.Length);
        if (count <= 0)
        {
            return [];
        }

        var top = new TopEntry[count];
        var filled = 0;
        for (var i = 0; i < logprobs.Length; i++)
        {
            var v = logprobs[i];
            if (filled == count && v <= top[count - 1].Logprob)
            {
                continue;
            }

            var j = filled < count ? filled++ : count - 1;
            while (j > 0 && top[j - 1].Logprob < v)
            {
                top[j] = top[j - 1];
                j--;
            }

            top[j] = new TopEntry(i, v);
        }

        return top;
    }

    public static int ArgMax(ReadOnlySpan<float> values) => TensorPrimitives.IndexOfMax(values);
}
