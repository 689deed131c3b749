using System.Numerics;
using System.Runtime.InteropServices;

namespace GreenGateway.Core.Cache;

/// <summary>Dot products and normalisation over float vectors with <see cref="Vector{T}"/> (AVX2/AVX-512/NEON as the CPU has).</summary>
public static class VectorMath
{
    /// <summary>Σ a[i]·b[i]; for unit vectors, their cosine similarity.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vector lengths differ: {a.Length} and {b.Length}");
        }

        var sum = Vector<float>.Zero;
        var i = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (var v = 0; v < va.Length; v++)
            {
                sum += va[v] * vb[v];
            }

            i = va.Length * Vector<float>.Count;
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    /// <summary>Scales <paramref name="vector"/> to unit L2 norm in place; leaves an all-zero vector as it is.</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = MathF.Sqrt(Dot(vector, vector));
        if (norm <= 0 || float.IsNaN(norm))
        {
            return;
        }

        var scale = 1f / norm;
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }

    /// <summary>
    /// The rows of <paramref name="rows"/> (count x dimensions) at or above <paramref name="threshold"/>, most similar
    /// first, at most <paramref name="max"/>: the candidates an acceptance rule then judges one by one.
    /// </summary>
    public static List<(int Index, float Score)> Above(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int count, double threshold, int max) =>
        Above(query, rows, count, threshold, max, default);

    /// <summary>As above, leaving out the rows whose <paramref name="skip"/> flag is set (removed rows of an index).</summary>
    public static List<(int Index, float Score)> Above(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int count, double threshold, int max, ReadOnlySpan<bool> skip)
    {
        var found = new List<(int Index, float Score)>();
        var dimensions = query.Length;
        for (var r = 0; r < count; r++)
        {
            if (r < skip.Length && skip[r])
            {
                continue;
            }

            var score = Dot(query, rows.Slice(r * dimensions, dimensions));
            if (score >= threshold)
            {
                found.Add((r, score));
            }
        }

        found.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        if (found.Count > max)
        {
            found.RemoveRange(max, found.Count - max);
        }

        return found;
    }

    /// <summary>
    /// The row of <paramref name="rows"/> (count x dimensions, row-major) most similar to <paramref name="query"/>:
    /// its index and dot product, or (-1, -inf) when there are no rows. Brute force, which at a few thousand
    /// rows per partition costs microseconds and needs no index to keep in sync.
    /// </summary>
    public static (int Index, float Score) Nearest(ReadOnlySpan<float> query, ReadOnlySpan<float> rows, int count)
    {
        var best = -1;
        var bestScore = float.NegativeInfinity;
        var dimensions = query.Length;
        for (var r = 0; r < count; r++)
        {
            var score = Dot(query, rows.Slice(r * dimensions, dimensions));
            if (score > bestScore)
            {
                bestScore = score;
                best = r;
            }
        }

        return (best, bestScore);
    }
}
