using System.Runtime.InteropServices;
using GreenGateway.Inference.Cuda.Compilation;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;

namespace GreenGateway.Inference.Cuda.Tests.Checks;

/// <summary>
/// Every kernel of kernels/*.cu against a naive double-precision reference on random inputs (odd sizes, never
/// zeros), with outputs poisoned (NaN) before each launch so an unwritten element fails the check.
/// Bounds: 1e-5 for f32 arithmetic on f16/int8 weights (the weights are exact in both), exact for gathers and argmax.
/// </summary>
public sealed class KernelChecks : IDisposable
{
    private const double F32Bound = 1e-5;
    private readonly CudaDevice _device;
    private readonly KernelLibrary _kernels;
    private readonly Random _random = new(7);

    public KernelChecks(string cacheDirectory)
    {
        _device = CudaDevice.Open();
        _kernels = new KernelLibrary(_device, cacheDirectory);
    }

    public string Device => _device.ToString();

    public IReadOnlyList<CheckResult> RunAll() =>
    [
        MatVec(CudaWeightFormat.F16, 1, 333, 200, accumulate: false, Input.Plain),
        MatVec(CudaWeightFormat.F16, 5, 97, 384, accumulate: true, Input.Plain),
        MatVec(CudaWeightFormat.F16, 1, 6144, 192, accumulate: false, Input.Norm),
        MatVec(CudaWeightFormat.F16, 6, 211, 384, accumulate: false, Input.Norm),
        MatVec(CudaWeightFormat.F16, 1, 192, 512, accumulate: true, Input.SwiGlu),
        MatVec(CudaWeightFormat.F16, 7, 101, 1024, accumulate: true, Input.SwiGlu),
        MatVec(CudaWeightFormat.F16, 1, 77, 4104, accumulate: true, Input.Norm),
        MatVec(CudaWeightFormat.F16, 3, 45, 2056, accumulate: false, Input.SwiGlu),
        // Split-K forced both ways (the policy picks 8 for the small ones above on a large GPU).
        MatVec(CudaWeightFormat.F16, 1, 333, 4104, accumulate: false, Input.Norm, splits: 1),
        MatVec(CudaWeightFormat.F16, 5, 99, 2056, accumulate: true, Input.SwiGlu, splits: 2),
        MatVec(CudaWeightFormat.F16, 6, 131, 1024, accumulate: true, Input.Plain, splits: 4),
        MatVec(CudaWeightFormat.F16, 1, 4096, 1032, accumulate: true, Input.Norm, splits: 8),
        NormGlu(1, 333, 200),
        NormGlu(6, 97, 384),
        NormGlu(1, 1000, 1032),
        MatVec(CudaWeightFormat.Int8, 1, 257, 256, accumulate: false, Input.Plain),
        MatVec(CudaWeightFormat.Int8, 6, 65, 512, accumulate: true, Input.Plain),
        MatVec(CudaWeightFormat.Int8, 3, 131, 384, accumulate: false, Input.Norm),
        MatVec(CudaWeightFormat.Int8, 2, 97, 512, accumulate: true, Input.SwiGlu),
        Embedding(CudaWeightFormat.F16),
        Embedding(CudaWeightFormat.Int8),
        Rope(interleaved: false),
        Rope(interleaved: true),
        Attention(),
        AttentionRope(interleaved: false, bias: true),
        AttentionRope(interleaved: true, bias: false),
        Argmax(4, 6144),
        CublasProduct(Input.Norm, 37, 211, 384, accumulate: false),
        CublasProduct(Input.SwiGlu, 64, 192, 512, accumulate: true),
        CublasProduct(Input.Plain, 19, 384, 384, accumulate: true),
    ];

    /// <summary>
    /// The prefill path: the input step writing f16 (prefill.cu) then cublasGemmEx (f16 x f16 -> f32, beta = 1 for
    /// the residual add). Bound 2e-3: the activations are rounded to f16 (relative precision 2^-11 = 4.9e-4).
    /// </summary>
    public CheckResult CublasProduct(Input input, int n, int rows, int cols, bool accumulate)
    {
        const float eps = 1e-5f;
        using var cublas = new CublasHandle(_device);
        var w = Naive.Random(_random, rows * cols, 0.5f);
        var exact = Exact(w, rows, cols, CudaWeightFormat.F16);
        using var m = DeviceMatrix.FromF32(_device, w, rows, cols, CudaWeightFormat.F16);
        var stride = input == Input.SwiGlu ? 2 * cols : cols;
        var x = Naive.Random(_random, n * stride, 3f);
        var normWeights = Naive.Random(_random, cols);
        var y0 = Naive.Random(_random, n * rows);
        using var dx = Upload(x);
        using var dw = Upload(normWeights);
        using var dy = Upload(y0);
        using var half = new DeviceBuffer(_device, n * cols * 2);
        if (!accumulate)
        {
            Poison(dy, n * rows);
        }

        switch (input)
        {
            case Input.Norm:
                _kernels["rmsnorm_f16"].Launch((uint)n, 1, 256, 0, dx, dw, half, cols, eps);
                break;
            case Input.SwiGlu:
                _kernels["swiglu_f16"].Launch((uint)((n * cols + 255) / 256), 1, 256, 0, dx, half, cols, n);
                break;
            default:
                _kernels["to_f16"].Launch((uint)((n * cols + 255) / 256), 1, 256, 0, dx, half, n * cols);
                break;
        }

        cublas.GemmF16(m.Data.Pointer, rows, cols, half.Pointer, n, dy.Pointer, rows, accumulate);
        var y = Download(dy, n * rows);
        var expected = Reference(input, x, stride, n, rows, cols, normWeights, eps, exact, accumulate ? y0 : null, rows);

        var name = input switch { Input.Norm => "rmsnorm_f16", Input.SwiGlu => "swiglu_f16", _ => "to_f16" };
        return new CheckResult($"{name} + cublasGemmEx n={n} {rows}x{cols}{(accumulate ? " +=" : "")}", Naive.NormalizedError(y, expected), 2e-3);
    }

    /// <summary>What the product applies to its activations first (matmul.cu's plain, norm and swiglu variants).</summary>
    public enum Input
    {
        Plain,
        Norm,
        SwiGlu,
    }

    public CheckResult MatVec(CudaWeightFormat format, int n, int rows, int cols, bool accumulate, Input input, int? splits = null)
    {
        const float eps = 1e-5f;
        var w = Naive.Random(_random, rows * cols, 0.5f);
        var exact = Exact(w, rows, cols, format);
        using var m = DeviceMatrix.FromF32(_device, w, rows, cols, format);
        var stride = input == Input.SwiGlu ? 2 * cols : cols;
        var x = Naive.Random(_random, n * stride, input == Input.Plain ? 1f : 3f);
        var normWeights = Naive.Random(_random, cols);
        var ldy = rows + 3;
        var y0 = Naive.Random(_random, n * ldy);
        using var dx = Upload(x);
        using var dy = Upload(y0);
        using var dw = Upload(normWeights);
        if (!accumulate)
        {
            Poison(dy, n * ldy);
        }

        m.Multiply(_kernels, dx.Pointer, n, dy.Pointer, ldy, accumulate, input == Input.Norm ? (dw, eps) : null, input == Input.SwiGlu, splits);
        var y = Download(dy, n * ldy);
        var expected = Reference(input, x, stride, n, rows, cols, normWeights, eps, exact, accumulate ? y0 : null, ldy);
        var actual = new float[n * rows];
        for (var t = 0; t < n; t++)
        {
            for (var r = 0; r < rows; r++)
            {
                actual[t * rows + r] = y[t * ldy + r];
            }
        }

        var name = (format == CudaWeightFormat.F16 ? "matvec_f16" : "matvec_i8") + input switch { Input.Norm => "_norm", Input.SwiGlu => "_swiglu", _ => "" };
        return new CheckResult($"{name} n={n} {rows}x{cols}{(accumulate ? " +=" : "")}{(splits is { } sp ? $" split {sp}" : "")}", Naive.NormalizedError(actual, expected), F32Bound);
    }

    /// <summary>
    /// matvec_f16_norm_glu: outputs silu(g) * u, g and u the gate and up rows (gate rows, then up rows) applied to
    /// rmsnorm(x) * w, for <paramref name="outputs"/> outputs, against double precision.
    /// </summary>
    public CheckResult NormGlu(int n, int outputs, int cols)
    {
        const float eps = 1e-5f;
        var rows = 2 * outputs;
        var w = Naive.Random(_random, rows * cols, 0.5f);
        var exact = Exact(w, rows, cols, CudaWeightFormat.F16);
        using var m = DeviceMatrix.FromF32(_device, w, rows, cols, CudaWeightFormat.F16);
        var x = Naive.Random(_random, n * cols, 3f);
        var normWeights = Naive.Random(_random, cols);
        var ldy = outputs + 5;
        using var dx = Upload(x);
        using var dy = new DeviceBuffer(_device, n * ldy * sizeof(float));
        using var dw = Upload(normWeights);
        Poison(dy, n * ldy);
        m.MultiplyGlu(_kernels, dx.Pointer, n, dy.Pointer, ldy, (dw, eps));
        var y = Download(dy, n * ldy);
        var products = Reference(Input.Norm, x, cols, n, rows, cols, normWeights, eps, exact, null, 0);
        var expected = new double[n * outputs];
        var actual = new float[n * outputs];
        for (var t = 0; t < n; t++)
        {
            for (var i = 0; i < outputs; i++)
            {
                var g = products[t * rows + i];
                expected[t * outputs + i] = g / (1 + Math.Exp(-g)) * products[t * rows + outputs + i];
                actual[t * outputs + i] = y[t * ldy + i];
            }
        }

        return new CheckResult($"matvec_f16_norm_glu n={n} {rows}x{cols}", Naive.NormalizedError(actual, expected), F32Bound);
    }

    /// <summary>
    /// The product in double precision: each of the n rows of <paramref name="x"/> (every <paramref name="stride"/>
    /// floats) prepared as <paramref name="input"/> says (RMSNorm, SwiGLU of its two halves, or as it is), times the
    /// <paramref name="exact"/> weights, plus <paramref name="y0"/> (rows <paramref name="y0Stride"/> apart) when accumulating.
    /// </summary>
    private static double[] Reference(Input input, float[] x, int stride, int n, int rows, int cols, float[] normWeights, float eps, float[] exact, float[]? y0, int y0Stride)
    {
        var expected = new double[n * rows];
        var a = new double[cols];
        for (var t = 0; t < n; t++)
        {
            double ss = 0;
            for (var c = 0; c < cols; c++)
            {
                ss += (double)x[t * stride + c] * x[t * stride + c];
            }

            var rs = 1 / Math.Sqrt(ss / cols + eps);
            for (var c = 0; c < cols; c++)
            {
                double v = x[t * stride + c];
                a[c] = input switch
                {
                    Input.Norm => v * rs * normWeights[c],
                    Input.SwiGlu => v / (1 + Math.Exp(-v)) * x[t * stride + cols + c],
                    _ => v,
                };
            }

            for (var r = 0; r < rows; r++)
            {
                double sum = y0 is null ? 0 : y0[t * y0Stride + r];
                for (var c = 0; c < cols; c++)
                {
                    sum += exact[r * cols + c] * a[c];
                }

                expected[t * rows + r] = sum;
            }
        }

        return expected;
    }

    /// <summary>The weights as the GPU holds them: f16-rounded, or int8 times the group scale.</summary>
    private static float[] Exact(float[] w, int rows, int cols, CudaWeightFormat format)
    {
        var exact = new float[w.Length];
        if (format == CudaWeightFormat.Int8)
        {
            var (q, s) = DeviceMatrix.Quantize(w, rows, cols);
            for (var i = 0; i < w.Length; i++)
            {
                exact[i] = q[i] * s[i / DeviceMatrix.Group];
            }
        }
        else
        {
            for (var i = 0; i < w.Length; i++)
            {
                exact[i] = (float)(Half)w[i];
            }
        }

        return exact;
    }

    public CheckResult Embedding(CudaWeightFormat format)
    {
        const int vocab = 101, dim = 96, n = 5;
        var w = Naive.Random(_random, vocab * dim);
        var exact = Exact(w, vocab, dim, format);
        using var m = DeviceMatrix.FromF32(_device, w, vocab, dim, format);
        var tokens = new[] { 0, 100, 37, 37, 64 };
        using var rows = Rows(tokens, [0, 1, 2, 3, 4], 8, null, null);
        using var x = new DeviceBuffer(_device, n * dim * sizeof(float));
        Poison(x, n * dim);
        m.Gather(_kernels, rows.Pointer, n, x.Pointer);
        var actual = Download(x, n * dim);
        var expected = new float[n * dim];
        for (var t = 0; t < n; t++)
        {
            exact.AsSpan(tokens[t] * dim, dim).CopyTo(expected.AsSpan(t * dim));
        }

        return new CheckResult($"embed_{(format == CudaWeightFormat.F16 ? "f16" : "i8")}", Naive.NormalizedError(actual, expected), 0);
    }

    public CheckResult Rope(bool interleaved)
    {
        const int heads = 4, kvHeads = 2, hd = 48, layers = 2, layer = 1, capacity = 40, n = 3;
        var width = (heads + 2 * kvHeads) * hd;
        var kvDim = kvHeads * hd;
        var qkv = Naive.Random(_random, n * width);
        var bias = Naive.Random(_random, width, 0.1f);
        var inv = new float[hd / 2];
        for (var i = 0; i < inv.Length; i++)
        {
            inv[i] = (float)(1 / Math.Pow(10000, 2.0 * i / hd));
        }

        int[] positions = [0, 17, 39];
        using var dqkv = Upload(qkv);
        using var dbias = Upload(bias);
        using var dinv = Upload(inv);
        using var keys = new DeviceBuffer(_device, layers * capacity * kvDim * sizeof(float));
        using var values = new DeviceBuffer(_device, layers * capacity * kvDim * sizeof(float));
        Poison(keys, layers * capacity * kvDim);
        Poison(values, layers * capacity * kvDim);
        using var rows = Rows([1, 2, 3], positions, capacity, keys, values);
        _kernels["rope_store"].Launch(n, heads + kvHeads, 128, 0, dqkv, rows, dinv, dbias, layer, heads, kvHeads, hd, interleaved ? 1 : 0);
        var actual = new List<float>();
        var expected = new List<double>();
        var outQkv = Download(dqkv, n * width);
        var outK = Download(keys, layers * capacity * kvDim);
        var outV = Download(values, layers * capacity * kvDim);
        for (var t = 0; t < n; t++)
        {
            var row = new double[width];
            for (var i = 0; i < width; i++)
            {
                row[i] = qkv[t * width + i] + bias[i];
            }

            for (var h = 0; h < heads + kvHeads; h++)
            {
                for (var i = 0; i < hd / 2; i++)
                {
                    var angle = (double)((float)positions[t] * inv[i]);
                    int a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + hd / 2;
                    double x0 = row[h * hd + a], x1 = row[h * hd + b];
                    row[h * hd + a] = x0 * Math.Cos(angle) - x1 * Math.Sin(angle);
                    row[h * hd + b] = x1 * Math.Cos(angle) + x0 * Math.Sin(angle);
                }
            }

            for (var i = 0; i < (heads + kvHeads) * hd; i++)
            {
                actual.Add(outQkv[t * width + i]);
                expected.Add(row[i]);
            }

            var at = (layer * capacity + positions[t]) * kvDim;
            for (var i = 0; i < kvDim; i++)
            {
                actual.Add(outK[at + i]);
                expected.Add(row[heads * hd + i]);
                actual.Add(outV[at + i]);
                expected.Add(row[(heads + kvHeads) * hd + i]);
            }
        }

        return new CheckResult($"rope_store ({(interleaved ? "interleaved" : "rotate_half")}, bias, GQA 4:2)",
            Naive.NormalizedError(actual.ToArray(), expected.ToArray()), F32Bound);
    }

    public CheckResult Attention()
    {
        const int heads = 6, kvHeads = 3, hd = 64, layers = 2, layer = 1, capacity = 300;
        var width = (heads + 2 * kvHeads) * hd;
        var kvDim = kvHeads * hd;
        int[] positions = [0, 5, 299, 130];
        var n = positions.Length;
        var qkv = Naive.Random(_random, n * width);
        var k = Naive.Random(_random, layers * capacity * kvDim);
        var v = Naive.Random(_random, layers * capacity * kvDim);
        using var dqkv = Upload(qkv);
        using var keys = Upload(k);
        using var values = Upload(v);
        using var outBuffer = new DeviceBuffer(_device, n * heads * hd * sizeof(float));
        Poison(outBuffer, n * heads * hd);
        using var rows = Rows([1, 2, 3, 4], positions, capacity, keys, values);
        var scale = 1f / MathF.Sqrt(hd);
        _kernels["attention_rows"].Launch((uint)n, heads, CudaModel.AttentionThreads, (uint)CudaModel.AttentionSharedBytes(hd, capacity), dqkv, rows, outBuffer,
            layer, heads, kvHeads, hd, scale);
        var expected = new double[n * heads * hd];
        for (var t = 0; t < n; t++)
        {
            for (var h = 0; h < heads; h++)
            {
                var kvh = h / (heads / kvHeads);
                var len = positions[t] + 1;
                var s = new double[len];
                for (var p = 0; p < len; p++)
                {
                    double dot = 0;
                    for (var i = 0; i < hd; i++)
                    {
                        dot += (double)qkv[t * width + h * hd + i] * k[(layer * capacity + p) * kvDim + kvh * hd + i];
                    }

                    s[p] = dot * scale;
                }

                var max = s.Max();
                var sum = 0.0;
                for (var p = 0; p < len; p++)
                {
                    s[p] = Math.Exp(s[p] - max);
                    sum += s[p];
                }

                for (var i = 0; i < hd; i++)
                {
                    double acc = 0;
                    for (var p = 0; p < len; p++)
                    {
                        acc += s[p] * v[(layer * capacity + p) * kvDim + kvh * hd + i];
                    }

                    expected[(t * heads + h) * hd + i] = acc / sum;
                }
            }
        }

        return new CheckResult("attention_rows (positions 0..299, GQA 6:3)", Naive.NormalizedError(Download(outBuffer, n * heads * hd), expected), F32Bound);
    }

    /// <summary>
    /// attention_rope_row (the decode step's single launch) against rope_store then attention_rows on the same row,
    /// cache and bias: the attention outputs and the key and value written to the cache must be the same bits.
    /// </summary>
    public CheckResult AttentionRope(bool interleaved, bool bias)
    {
        const int heads = 8, kvHeads = 2, hd = 64, layers = 2, layer = 1, capacity = 300;
        var width = (heads + 2 * kvHeads) * hd;
        var kvDim = kvHeads * hd;
        var cacheSize = layers * capacity * kvDim;
        var inv = new float[hd / 2];
        for (var i = 0; i < inv.Length; i++)
        {
            inv[i] = (float)(1 / Math.Pow(500000, 2.0 * i / hd));
        }

        using var dinv = Upload(inv);
        using var dbias = bias ? Upload(Naive.Random(_random, width, 0.1f)) : null;
        var shared = (uint)CudaModel.AttentionSharedBytes(hd, capacity);
        var scale = 1f / MathF.Sqrt(hd);
        var differing = 0;
        var compared = 0;
        foreach (var position in new[] { 0, 1, 130, 299 })
        {
            var qkv = Naive.Random(_random, width);
            var k = Naive.Random(_random, cacheSize);
            var v = Naive.Random(_random, cacheSize);
            var outputs = new List<float[]>();
            foreach (var fused in new[] { false, true })
            {
                using var dqkv = Upload(qkv);
                using var keys = Upload(k);
                using var values = Upload(v);
                using var outBuffer = new DeviceBuffer(_device, heads * hd * sizeof(float));
                Poison(outBuffer, heads * hd);
                using var rows = Rows([5], [position], capacity, keys, values);
                if (fused)
                {
                    _kernels["attention_rope_row"].Launch(1, heads, CudaModel.AttentionThreads, shared, dqkv, rows, dinv, dbias,
                        outBuffer, layer, heads, kvHeads, hd, scale, interleaved ? 1 : 0);
                }
                else
                {
                    _kernels["rope_store"].Launch(1, heads + kvHeads, 128, 0, dqkv, rows, dinv, dbias, layer, heads, kvHeads, hd, interleaved ? 1 : 0);
                    _kernels["attention_rows"].Launch(1, heads, CudaModel.AttentionThreads, shared, dqkv, rows, outBuffer, layer, heads, kvHeads, hd, scale);
                }

                var at = (layer * capacity + position) * kvDim;
                outputs.Add([.. Download(outBuffer, heads * hd), .. Download(keys, cacheSize).AsSpan(at, kvDim), .. Download(values, cacheSize).AsSpan(at, kvDim)]);
            }

            for (var i = 0; i < outputs[0].Length; i++)
            {
                compared++;
                differing += BitConverter.SingleToInt32Bits(outputs[0][i]) == BitConverter.SingleToInt32Bits(outputs[1][i]) ? 0 : 1;
            }
        }

        return new CheckResult($"attention_rope_row = rope_store + attention_rows ({(interleaved ? "interleaved" : "rotate_half")}, {(bias ? "bias" : "no bias")}, GQA 8:2, positions 0/1/130/299)",
            differing, 0, $"{differing} of {compared} values differ in their bits");
    }

    public CheckResult Argmax(int n, int vocab)
    {
        var logits = Naive.Random(_random, n * vocab, 10f);
        logits[vocab + 5] = logits[vocab + 4000] = 99f; // a tie in row 1: the lower index wins
        using var d = Upload(logits);
        using var o = new DeviceBuffer(_device, n * sizeof(int));
        _kernels["argmax_rows"].Launch((uint)n, 1, 256, 0, d, o, vocab);
        _device.Synchronize();
        var got = new int[n];
        o.Download<int>(got);
        var wrong = 0;
        for (var t = 0; t < n; t++)
        {
            var best = 0;
            for (var i = 1; i < vocab; i++)
            {
                if (logits[t * vocab + i] > logits[t * vocab + best])
                {
                    best = i;
                }
            }

            wrong += got[t] == best ? 0 : 1;
        }

        return new CheckResult($"argmax_rows n={n} vocab={vocab} (with a tie)", wrong, 0, $"{wrong} of {n} rows wrong");
    }

    public void Dispose()
    {
        _kernels.Dispose();
        _device.Dispose();
    }

    private DeviceBuffer Upload(float[] values)
    {
        var b = new DeviceBuffer(_device, (long)values.Length * sizeof(float));
        b.Upload<float>(values);
        return b;
    }

    private float[] Download(DeviceBuffer b, int count)
    {
        _device.Synchronize();
        var v = new float[count];
        b.Download<float>(v);
        return v;
    }

    private void Poison(DeviceBuffer b, int count)
    {
        var nan = new float[count];
        Array.Fill(nan, float.NaN);
        b.Upload<float>(nan);
    }

    private DeviceBuffer Rows(int[] tokens, int[] positions, int capacity, DeviceBuffer? keys, DeviceBuffer? values)
    {
        var rows = new RowParam[tokens.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new RowParam
            {
                Token = tokens[i],
                Position = positions[i],
                Capacity = capacity,
                Keys = keys?.Pointer ?? 0,
                Values = values?.Pointer ?? 0,
            };
        }

        var b = new DeviceBuffer(_device, rows.Length * Marshal.SizeOf<RowParam>());
        b.Upload<RowParam>(rows);
        return b;
    }
}
