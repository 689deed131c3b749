using System.Numerics.Tensors;
using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

/// <summary>y = W x for a range of W's rows; reused across calls so that dispatch allocates nothing.</summary>
internal sealed unsafe class MatMulWork : IRangeWork
{
    private WeightMatrix? _w;
    private float* _x;
    private float* _y;
    private int _n;
    private int _ldy;

    public void Set(WeightMatrix w, float* x, int n, float* y, int ldy)
    {
        _w = w;
        _x = x;
        _n = n;
        _y = y;
        _ldy = ldy;
    }

    public void Run(int start, int end) => _w!.Multiply(_x, _n, _y, _ldy, start, end);
}

/// <summary>
/// Causal scaled dot-product attention for items (row, head): row t at position p of its sequence attends to
/// that sequence's cached positions 0..p; query head h reads key/value head h / (heads / kv_heads) (GQA).
/// </summary>
internal sealed unsafe class AttentionWork : IRangeWork
{
    [ThreadStatic]
    private static float[]? _scores;

    private ModelConfig? _config;
    private float* _qkv;
    private float* _out;
    private nint[] _keys = [];
    private nint[] _values = [];
    private int[] _positions = [];

    public void Set(ModelConfig config, float* qkv, float* output, nint[] keys, nint[] values, int[] positions)
    {
        _config = config;
        _qkv = qkv;
        _out = output;
        _keys = keys;
        _values = values;
        _positions = positions;
    }

    public void Run(int start, int end)
    {
        var c = _config!;
        var hd = c.HeadDim;
        var qkvWidth = c.QDim + 2 * c.KvDim;
        var group = c.NumHeads / c.NumKvHeads;
        var scale = 1f / MathF.Sqrt(hd);
        for (var item = start; item < end; item++)
        {
            var t = item / c.NumHeads;
            var h = item % c.NumHeads;
            var kvOffset = h / group * hd;
            var length = _positions[t] + 1;
            var keys = (float*)_keys[t];
            var values = (float*)_values[t];
            if (_scores is null || _scores.Length < length)
            {
                _scores = new float[Math.Max(length, 256)];
            }

            var scores = _scores.AsSpan(0, length);
            var q = new ReadOnlySpan<float>(_qkv + (long)t * qkvWidth + h * hd, hd);
            for (var j = 0; j < length; j++)
            {
                scores[j] = TensorPrimitives.Dot(q, new ReadOnlySpan<float>(keys + (long)j * c.KvDim + kvOffset, hd)) * scale;
            }

            VectorOps.Softmax(scores);
            var output = new Span<float>(_out + (long)t * c.QDim + h * hd, hd);
            output.Clear();
            for (var j = 0; j < length; j++)
            {
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + (long)j * c.KvDim + kvOffset, hd), scores[j], output, output);
            }
        }
    }
}
