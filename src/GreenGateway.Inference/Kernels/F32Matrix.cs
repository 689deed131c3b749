using System.Numerics.Tensors;

namespace GreenGateway.Inference.Kernels;

/// <summary>An f32 (Rows, Cols) matrix, row-major; either memory-mapped from the checkpoint or owned.</summary>
internal sealed unsafe partial class F32Matrix : WeightMatrix
{
    /// <summary>Output rows handled together when several activation rows share them (cache reuse).</summary>
    internal const int RowTile = 4;

    private readonly float* _data;
    private readonly IDisposable? _owner;

    public F32Matrix(int rows, int cols, float* data, IDisposable? owner)
        : base(rows, cols)
    {
        _data = data;
        _owner = owner;
    }

    public override WeightFormat Format => WeightFormat.F32;

    public override long ByteSize => (long)Rows * Cols * sizeof(float);

    public static F32Matrix Allocate(int rows, int cols, out Span<float> data)
    {
        var buffer = new NativeBuffer<float>((long)rows * cols);
        data = buffer.Span;
        return new F32Matrix(rows, cols, buffer.Pointer, buffer);
    }

    public override void Multiply(float* x, int n, float* y, int ldy, int rowStart, int rowEnd)
    {
        var cols = Cols;
        if (n == 1)
        {
            for (var r = rowStart; r < rowEnd; r++)
            {
                y[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_data + (long)r * cols, cols), new ReadOnlySpan<float>(x, cols));
            }

            return;
        }

        for (var r0 = rowStart; r0 < rowEnd; r0 += RowTile)
        {
            MultiplyTile(_data + (long)r0 * cols, Math.Min(RowTile, rowEnd - r0), cols, x, n, y + r0, ldy);
        }
    }

    /// <summary>
    /// y[t * ldy + r] = dot(w[r], x[t]) for the <paramref name="rows"/> (at most 4) contiguous weight rows at
    /// <paramref name="w"/> and all <paramref name="n"/> activation rows; 4 x 4 register blocks where they fit.
    /// Quantized matrices widen a tile of rows and call this.
    /// </summary>
    internal static void MultiplyTile(float* w, int rows, int cols, float* x, int n, float* y, int ldy)
    {
        var t = 0;
        if (rows == RowTile)
        {
            for (; t + 4 <= n; t += 4)
            {
                Block4x4(w, x + (long)t * cols, cols, y + (long)t * ldy, ldy);
            }
        }

        for (; t < n; t++)
        {
            var xt = new ReadOnlySpan<float>(x + (long)t * cols, cols);
            for (var r = 0; r < rows; r++)
            {
                y[(long)t * ldy + r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(w + (long)r * cols, cols), xt);
            }
        }
    }

    public override void ReadRow(int row, Span<float> destination) =>
        new ReadOnlySpan<float>(_data + (long)row * Cols, Cols).CopyTo(destination);

    public override void Dispose() => _owner?.Dispose();
}
