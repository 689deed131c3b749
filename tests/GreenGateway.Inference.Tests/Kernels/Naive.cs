namespace GreenGateway.Inference.Tests.Kernels;

/// <summary>Plain double-precision reference implementations that the SIMD kernels are checked against.</summary>
internal static class Naive
{
    public static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (var i = 0; i < n; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        }

        return v;
    }

    /// <summary>y[t, r] = sum_c w[r, c] x[t, c].</summary>
    public static float[] MatMul(float[] w, int rows, int cols, float[] x, int n)
    {
        var y = new float[n * rows];
        for (var t = 0; t < n; t++)
        {
            for (var r = 0; r < rows; r++)
            {
                double sum = 0;
                for (var c = 0; c < cols; c++)
                {
                    sum += (double)w[r * cols + c] * x[t * cols + c];
                }

                y[t * rows + r] = (float)sum;
            }
        }

        return y;
    }

    public static float[] RmsNorm(float[] x, float[] w, float eps)
    {
        var ss = x.Sum(static v => (double)v * v) / x.Length;
        var scale = 1 / Math.Sqrt(ss + eps);
        return x.Select((v, i) => (float)(v * scale * w[i])).ToArray();
    }

    public static float[] Softmax(float[] x)
    {
        var max = x.Max();
        var e = x.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => (float)(v / sum)).ToArray();
    }

    public static float[] SiluMultiply(float[] g, float[] u) =>
        g.Select((v, i) => (float)(v / (1 + Math.Exp(-v)) * u[i])).ToArray();

    /// <summary>transformers' apply_rotary_pos_emb: x * cos + rotate_half(x) * sin, with cos/sin repeated over both halves.</summary>
    public static float[] RopeHalf(float[] x, double[] angles)
    {
        var half = x.Length / 2;
        var y = new float[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var a = angles[i % half];
            var rotated = i < half ? -x[i + half] : x[i - half];
            y[i] = (float)(x[i] * Math.Cos(a) + rotated * Math.Sin(a));
        }

        return y;
    }

    /// <summary>ggml's rope in normal mode: pairs (2i, 2i + 1) rotated by angle i.</summary>
    public static float[] RopeInterleaved(float[] x, double[] angles)
    {
        var y = new float[x.Length];
        for (var i = 0; i < x.Length / 2; i++)
        {
            var (a, b) = (x[2 * i], x[2 * i + 1]);
            y[2 * i] = (float)(a * Math.Cos(angles[i]) - b * Math.Sin(angles[i]));
            y[2 * i + 1] = (float)(a * Math.Sin(angles[i]) + b * Math.Cos(angles[i]));
        }

        return y;
    }
}
