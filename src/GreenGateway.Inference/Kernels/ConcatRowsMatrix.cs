namespace GreenGateway.Inference.Kernels;

/// <summary>
/// Matrices stacked by rows, applied as one: q/k/v, or gate/up, run as one parallel product instead of
/// three or two (one dispatch, one pass over the activations), without copying the weights.
/// </summary>
internal sealed unsafe class ConcatRowsMatrix : WeightMatrix
{
    private readonly WeightMatrix[] _parts;
    private readonly int[] _offsets;

    public ConcatRowsMatrix(params WeightMatrix[] parts)
        : base(parts.Sum(static p => p.Rows), parts[0].Cols)
    {
        _parts = parts;
        _offsets = new int[parts.Length];
        for (int i = 0, offset = 0; i < parts.Length; offset += parts[i].Rows, i++)
        {
            if (parts[i].Cols != Cols)
            {
                throw new ArgumentException("stacked matrices need the same column count.", nameof(parts));
            }

            _offsets[i] = offset;
        }
    }

    public override WeightFormat Format => _parts[0].Format;

    public override long ByteSize => _parts.Sum(static p => p.ByteSize);

    public override void Multiply(float* x, int n, float* y, int ldy, int rowStart, int rowEnd)
    {
        for (var i = 0; i < _parts.Length; i++)
        {
            var start = Math.Max(rowStart, _offsets[i]);
            var end = Math.Min(rowEnd, _offsets[i] + _parts[i].Rows);
            if (start < end)
            {
                _parts[i].Multiply(x, n, y + _offsets[i], ldy, start - _offsets[i], end - _offsets[i]);
            }
        }
    }

    public override void ReadRow(int row, Span<float> destination)
    {
        for (var i = _parts.Length - 1; i >= 0; i--)
        {
            if (row >= _offsets[i])
            {
                _parts[i].ReadRow(row - _offsets[i], destination);
                return;
            }
        }
    }

    public override void Dispose()
    {
        foreach (var part in _parts)
        {
            part.Dispose();
        }
    }
}
