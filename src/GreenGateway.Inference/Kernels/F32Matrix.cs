using System.Numerics.Tensors;

namespace GreenGateway.Inference.Kernels;

/// <summary>An f32 (Rows, Cols) matrix, row-major; either memory-mapped from the checkpoint or owned.</summary>
internal sealed unsafe class F32Matrix : WeightMatrix
{
    /// <summary>Output rows handled together when several activation rows share them (cache reuse).</summary>
    private const int RowTile = 4;

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
            var r1 = Math.Min(r0 + RowTile, rowEnd);
            for (var t = 0; t < n; t++)
            {
                var xt = new ReadOnlySpan<float>(x + (long)t * cols, cols);
                for (var r = r0; r < r1; r++)
                {
                    y[(long)t * ldy + r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(_data + (long)r * cols, cols), xt);
                }
            }
        }
    }

    public override void ReadRow(int row, Span<float> destination) =>
        new ReadOnlySpan<float>(_data + (long)row * Cols, Cols).CopyTo(destination);

    public override void Dispose() => _owner?.Dispose();
}
