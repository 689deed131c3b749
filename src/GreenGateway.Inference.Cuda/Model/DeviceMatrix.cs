using GreenGateway.Inference.Cuda.Compilation;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Cuda.Model;

/// <summary>
/// A (Rows, Cols) weight matrix on the GPU: f16 (rows, cols), or int8 (rows, cols) with f32 scales (rows, cols / 32).
/// Products run in that form (matmul.cu), widening inside the kernel; activations stay f32.
/// </summary>
internal sealed class DeviceMatrix : IDisposable
{
    public const int Group = 32;

    /// <summary>The most warps one group of f16 output rows is split over (GG_MAX_WARPS in matmul.cu).</summary>
    public const int MaxSplits = 8;

    private readonly int _multiprocessors;

    private DeviceMatrix(int rows, int cols, CudaWeightFormat format, DeviceBuffer data, DeviceBuffer? scales, int multiprocessors)
    {
        _multiprocessors = multiprocessors;
        Rows = rows;
        Cols = cols;
        Format = format;
        Data = data;
        Scales = scales;
    }

    public int Rows { get; }

    public int Cols { get; }

    public CudaWeightFormat Format { get; }

    public DeviceBuffer Data { get; }

    public DeviceBuffer? Scales { get; }

    /// <summary>
    /// Split-K target for the f16 products: the warps of a group of output rows are doubled (column chunks, summed in
    /// shared memory) until the matrix gives this many warps an SM, within <see cref="MinSplits"/> and
    /// <see cref="MaxPolicySplits"/>. 0 turns split-K off. A process-wide setting for cuda-check's A/B runs
    /// (--splitk-warps, --decode-variants); the backend never changes it.
    /// </summary>
    public static int SplitTargetWarpsPerSm { get; set; } = 48;

    /// <summary>
    /// Fewest warps a row group (split-K on). Run D on an H200 (docs/cuda.md), four rows a group, microseconds a
    /// product alone: every 8B and 1B product but one was fastest at 2 or 4 warps, none at 1 (8B gate+up 71.4 at 1,
    /// 64.2 at 2; LM head 261.5 and 253.3).
    /// </summary>
    public const int MinSplits = 2;

    /// <summary>
    /// Most warps a row group the policy picks: 8 lost to 4 on every product of the two shapes (8B q/k/v 22.5 against
    /// 19.7 us, o 14.7 against 13.4, down 36.9 against 36.4) though the target asks for 8 there.
    /// </summary>
    public const int MaxPolicySplits = 4;

    /// <summary>
    /// Warps a group of <paramref name="rowsPerGroup"/> output rows (matmul.cu's GG_ROWS) for a matrix of
    /// <paramref name="rows"/> rows: 1 with the target 0, else doubled from <see cref="MinSplits"/> until the groups
    /// give <paramref name="targetWarpsPerSm"/> warps an SM, at most <see cref="MaxPolicySplits"/>.
    /// </summary>
    public static int SplitsFor(int rows, int multiprocessors, int targetWarpsPerSm, int rowsPerGroup)
    {
        if (targetWarpsPerSm <= 0)
        {
            return 1;
        }

        var groups = (long)(rows + rowsPerGroup - 1) / rowsPerGroup;
        var splits = MinSplits;
        while (splits < MaxPolicySplits && groups * splits < (long)targetWarpsPerSm * multiprocessors)
        {
            splits *= 2;
        }

        return splits;
    }

    /// <summary>Bytes one product with one activation row reads.</summary>
    public long ByteSize => Data.Bytes + (Scales?.Bytes ?? 0);

    /// <summary>Uploads a CPU matrix (read back row by row as f32); int8 falls back to f16 where cols is not a multiple of 32.</summary>
    public static DeviceMatrix Upload(CudaDevice device, WeightMatrix w, CudaWeightFormat format)
    {
        var rows = w.Rows;
        var cols = w.Cols;
        var values = new float[(long)rows * cols];
        for (var r = 0; r < rows; r++)
        {
            w.ReadRow(r, values.AsSpan(r * cols, cols));
        }

        return FromF32(device, values, rows, cols, format);
    }

    /// <summary>Uploads row-major f32 values as <paramref name="format"/>.</summary>
    public static DeviceMatrix FromF32(CudaDevice device, ReadOnlySpan<float> values, int rows, int cols, CudaWeightFormat format)
    {
        if (cols % 8 != 0)
        {
            throw new NotSupportedException($"the CUDA backend needs matrix widths divisible by 8 (16-byte loads); this one is {cols}.");
        }

        if (format == CudaWeightFormat.Int8 && cols % Group == 0)
        {
            var (q, scales) = Quantize(values, rows, cols);
            var data = new DeviceBuffer(device, q.Length);
            data.Upload<sbyte>(q);
            var s = new DeviceBuffer(device, (long)scales.Length * sizeof(float));
            s.Upload<float>(scales);
            return new DeviceMatrix(rows, cols, CudaWeightFormat.Int8, data, s, device.Multiprocessors);
        }

        var half = new Half[values.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, half);

        var buffer = new DeviceBuffer(device, (long)half.Length * 2);
        buffer.Upload<Half>(half);
        return new DeviceMatrix(rows, cols, CudaWeightFormat.F16, buffer, null, device.Multiprocessors);
    }

    /// <summary>The CPU engine's int8 rule (Int8Matrix.Quantize, after ggml's quantize_row_q8_0_ref): scale = max|w| / 127, round half away from zero.</summary>
    public static (sbyte[] Q, float[] Scales) Quantize(ReadOnlySpan<float> values, int rows, int cols)
    {
        var q = new sbyte[values.Length];
        var scales = new float[values.Length / Group];
        for (var g = 0; g < scales.Length; g++)
        {
            var block = values.Slice(g * Group, Group);
            var amax = 0f;
            foreach (var v in block)
            {
                amax = Math.Max(amax, Math.Abs(v));
            }

            var scale = amax / 127f;
            var inverse = scale > 0 ? 1f / scale : 0f;
            scales[g] = scale;
            for (var i = 0; i < Group; i++)
            {
                q[g * Group + i] = (sbyte)Math.Round(block[i] * inverse, MidpointRounding.AwayFromZero);
            }
        }

        return (q, scales);
    }

    /// <summary>
    /// y[t * ldy + r] (+)= dot(W[r], in(x[t])) for n activation rows, where in() is the identity, RMSNorm with
    /// <paramref name="norm"/> (weights, eps), or, with <paramref name="swiglu"/>, silu(gate) * up of x's two halves.
    /// </summary>
    public void Multiply(KernelLibrary k, ulong x, int n, ulong y, int ldy, bool accumulate, (DeviceBuffer Weights, float Eps)? norm = null,
        bool swiglu = false, int? splits = null)
    {
        var int8 = Format == CudaWeightFormat.Int8;
        var acc = accumulate ? 1 : 0;
        var name = (int8 ? "matvec_i8" : "matvec_f16") + (norm is not null ? "_norm" : swiglu ? "_swiglu" : "");
        var f = k[name];
        if (int8)
        {
            // Four warps a block, one output row a warp (matmul.cu).
            var rowBlocks = (uint)((Rows + 3) / 4);
            if (norm is { } nw8)
            {
                f.Launch(rowBlocks, 1, 128, 0, Data, Scales, x, nw8.Weights, nw8.Eps, y, Rows, Cols, n, ldy, acc);
            }
            else
            {
                f.Launch(rowBlocks, 1, 128, 0, Data, Scales, x, y, Rows, Cols, n, ldy, acc);
            }

            return;
        }

        // f16: groups of `split` warps, GG_ROWS output rows a group, at least four warps a block.
        var rowsPerGroup = k.F16RowsPerGroup;
        var split = splits ?? SplitsFor(Rows, _multiprocessors, SplitTargetWarpsPerSm, rowsPerGroup);
        if (split is < 1 or > MaxSplits || (split & (split - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(splits), split, "splits must be 1, 2, 4 or 8.");
        }

        var threads = (uint)Math.Max(128, 32 * split);
        var rowsPerBlock = rowsPerGroup * (int)(threads / 32) / split;
        var blocks = (uint)((Rows + rowsPerBlock - 1) / rowsPerBlock);
        if (norm is { } nw)
        {
            f.Launch(blocks, 1, threads, 0, Data, x, nw.Weights, nw.Eps, y, Rows, Cols, n, ldy, acc, split);
        }
        else
        {
            f.Launch(blocks, 1, threads, 0, Data, x, y, Rows, Cols, n, ldy, acc, split);
        }
    }

    /// <summary>
    /// y[t * ldy + i] = silu(g) * u for the i-th of Rows / 2 outputs, where g and u are gate row i and up row
    /// Rows / 2 + i of this f16 matrix (gate rows, then up rows) applied to rmsnorm(x[t]) * norm: the gate+up product
    /// and the SwiGLU step in one launch (matvec_f16_norm_glu), so that down multiplies a plain input.
    /// </summary>
    public void MultiplyGlu(KernelLibrary k, ulong x, int n, ulong y, int ldy, (DeviceBuffer Weights, float Eps) norm)
    {
        if (Format != CudaWeightFormat.F16 || Rows % 2 != 0)
        {
            throw new InvalidOperationException("the fused SwiGLU product needs f16 weights with an even number of rows.");
        }

        var rowsPerGroup = k.F16RowsPerGroup;
        var split = SplitsFor(Rows, _multiprocessors, SplitTargetWarpsPerSm, rowsPerGroup);
        var threads = (uint)Math.Max(128, 32 * split);
        var outputsPerBlock = rowsPerGroup / 2 * (int)(threads / 32) / split;
        var outputs = Rows / 2;
        var blocks = (uint)((outputs + outputsPerBlock - 1) / outputsPerBlock);
        k["matvec_f16_norm_glu"].Launch(blocks, 1, threads, 0, Data, x, norm.Weights, norm.Eps, y, outputs, Cols, n, ldy, 0, split);
    }

    /// <summary>x[t] = row rows[t].token of this matrix, as f32 (the embedding gather).</summary>
    public void Gather(KernelLibrary k, ulong rows, int n, ulong x)
    {
        if (Format == CudaWeightFormat.Int8)
        {
            k["embed_i8"].Launch((uint)n, 1, 256, 0, Data, Scales, rows, x, Cols);
        }
        else
        {
            k["embed_f16"].Launch((uint)n, 1, 256, 0, Data, rows, x, Cols);
        }
    }

    public void Dispose()
    {
        Data.Dispose();
        Scales?.Dispose();
    }
}
