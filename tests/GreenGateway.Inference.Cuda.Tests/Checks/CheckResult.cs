namespace GreenGateway.Inference.Cuda.Tests.Checks;

/// <summary>
/// One GPU check: the normalized error max|gpu - reference| / max|reference| against its bound. These checks are
/// shared by the xunit tests (skipped without a GPU) and the trimmed console runner tools/cuda-check, which runs
/// them on the GPU machine where .NET's test host is not installed.
/// </summary>
public sealed record CheckResult(string Name, double Error, double Bound, string Detail = "")
{
    public bool Passed => Error <= Bound && !double.IsNaN(Error);

    public override string ToString() => $"{(Passed ? "ok  " : "FAIL")} {Name}: error {Error:0.00e+0} (bound {Bound:0e+0}){(Detail.Length > 0 ? " " + Detail : "")}";
}

/// <summary>Reference arithmetic and comparisons, in double.</summary>
public static class Naive
{
    public static double NormalizedError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length)
        {
            return double.NaN;
        }

        double diff = 0, scale = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            if (!float.IsFinite(actual[i]))
            {
                return double.NaN;
            }

            diff = Math.Max(diff, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        return scale == 0 ? double.NaN : diff / scale;
    }

    public static double NormalizedError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        var e = new double[expected.Length];
        for (var i = 0; i < e.Length; i++)
        {
            e[i] = expected[i];
        }

        return NormalizedError(actual, e);
    }

    /// <summary>Uniform values in [-1, 1), never all zero.</summary>
    public static float[] Random(Random random, int count, float scale = 1f)
    {
        var v = new float[count];
        for (var i = 0; i < count; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        }

        return v;
    }
}
