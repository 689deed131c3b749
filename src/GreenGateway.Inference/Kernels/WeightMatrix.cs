namespace GreenGateway.Inference.Kernels;

/// <summary>How a weight matrix is stored in memory.</summary>
public enum WeightFormat
{
    /// <summary>32-bit floats (f16/bf16 checkpoints are widened at load).</summary>
    F32,

    /// <summary>Signed bytes in groups of 32 along a row, one f32 scale a group (GGUF Q8_0 lands here too).</summary>
    Int8,

    /// <summary>GGML Q4_0: 4-bit values offset by 8 in groups of 32, one scale a group.</summary>
    Q4_0,
}

/// <summary>
/// A (Rows, Cols) weight matrix applied as y = W x to rows of activations. Implementations compute in their
/// stored form (f32, int8 or 4-bit), so quantized weights are never expanded to f32 in memory.
/// </summary>
internal abstract unsafe class WeightMatrix : IDisposable
{
    protected WeightMatrix(int rows, int cols)
    {
        Rows = rows;
        Cols = cols;
    }

    public int Rows { get; }

    public int Cols { get; }

    public abstract WeightFormat Format { get; }

    /// <summary>Bytes of weights read by one full product with a single activation row.</summary>
    public abstract long ByteSize { get; }

    /// <summary>
    /// For output rows [rowStart, rowEnd) and each of the <paramref name="n"/> activation rows x[t] (length Cols):
    /// y[t * ldy + r] = dot(W[r], x[t]).
    /// </summary>
    public abstract void Multiply(float* x, int n, float* y, int ldy, int rowStart, int rowEnd);

    /// <summary>Writes row <paramref name="row"/> as f32 (embedding look-up).</summary>
    public abstract void ReadRow(int row, Span<float> destination);

    public virtual void Dispose()
    {
    }

    /// <summary>
    /// The product for several activation rows of a quantized matrix: widen 4 weight rows at a time to f32 and
    /// reuse them for all activation rows in the register-blocked f32 kernel.
    /// </summary>
    protected void MultiplyWidened(float* x, int n, float* y, int ldy, int rowStart, int rowEnd)
    {
        var cols = Cols;
        var tile = RowScratch.Get(F32Matrix.RowTile * cols);
        fixed (float* w = tile)
        {
            for (var r0 = rowStart; r0 < rowEnd; r0 += F32Matrix.RowTile)
            {
                var rows = Math.Min(F32Matrix.RowTile, rowEnd - r0);
                for (var r = 0; r < rows; r++)
                {
                    ReadRow(r0 + r, tile.Slice(r * cols, cols));
                }

                F32Matrix.MultiplyTile(w, rows, cols, x, n, y + r0, ldy);
            }
        }
    }
}
