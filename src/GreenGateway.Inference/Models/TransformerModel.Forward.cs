using System.Numerics.Tensors;
using GreenGateway.Inference.Kernels;

namespace GreenGateway.Inference.Models;

public sealed partial class TransformerModel
{
    /// <summary>
    /// The forward pass over n rows; row t is a token of sequence RowCache[t] at position RowPosition[t] (one
    /// sequence's consecutive tokens in a prefill, or one token of each of several sequences in a batch).
    /// </summary>
    private unsafe void RunForward(ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions)
    {
        var c = Config;
        var s = _scratch;
        var n = tokens.Length;
        var dim = c.HiddenSize;
        var qkvWidth = c.QDim + 2 * c.KvDim;
        var half = c.HeadDim / 2;
        for (var t = 0; t < n; t++)
        {
            Weights.Embedding.ReadRow(tokens[t], s.X.AsSpan(t * dim, dim));
            _rope.Angles(s.RowPosition[t], 1, s.Cos.AsSpan(t * half, half), s.Sin.AsSpan(t * half, half));
        }

        for (var l = 0; l < c.NumLayers; l++)
        {
            var layer = Weights.Layers[l];
            NormRows(s.X, layer.AttentionNorm, s.Normed, n);
            MatMul(layer.Qkv, s.Normed, n, s.Qkv, qkvWidth);
            for (var t = 0; t < n; t++)
            {
                var row = s.Qkv.AsSpan(t * qkvWidth, qkvWidth);
                if (layer.QkvBias is { } bias)
                {
                    TensorPrimitives.Add(row, bias, row);
                }

                RotateAndStore(row, s.RowCache[t], l, s.RowPosition[t], t);
                s.RowKeys[t] = s.RowCache[t].KeysAddress(l);
                s.RowValues[t] = s.RowCache[t].ValuesAddress(l);
            }

            fixed (float* qkv = s.Qkv, att = s.Attention)
            {
                _attention.Set(c, qkv, att, s.RowKeys, s.RowValues, s.RowPosition);
                _pool.Run(_attention, n * c.NumHeads);
            }

            MatMul(layer.Output, s.Attention, n, s.Delta, dim);
            TensorPrimitives.Add(s.X.AsSpan(0, n * dim), s.Delta.AsSpan(0, n * dim), s.X.AsSpan(0, n * dim));
            NormRows(s.X, layer.MlpNorm, s.Normed, n);
            MatMul(layer.GateUp, s.Normed, n, s.GateUp, 2 * c.IntermediateSize);
            for (var t = 0; t < n; t++)
            {
                var gu = s.GateUp.AsSpan(t * 2 * c.IntermediateSize, 2 * c.IntermediateSize);
                VectorOps.SiluMultiply(gu[..c.IntermediateSize], gu[c.IntermediateSize..], s.Hidden.AsSpan(t * c.IntermediateSize, c.IntermediateSize));
            }

            MatMul(layer.Down, s.Hidden, n, s.Delta, dim);
            TensorPrimitives.Add(s.X.AsSpan(0, n * dim), s.Delta.AsSpan(0, n * dim), s.X.AsSpan(0, n * dim));
        }

        var first = allPositions ? 0 : n - 1;
        var rows = n - first;
        for (var t = first; t < n; t++)
        {
            VectorOps.RmsNorm(s.X.AsSpan(t * dim, dim), Weights.FinalNorm, c.RmsNormEps, s.Normed.AsSpan((t - first) * dim, dim));
        }

        fixed (float* x = s.Normed, y = logits)
        {
            _matMul.Set(Weights.LmHead, x, rows, y, c.VocabSize);
            _pool.Run(_matMul, c.VocabSize, minPerChunk: 64);
        }
    }

    private void NormRows(float[] x, float[] weight, float[] destination, int n)
    {
        var dim = Config.HiddenSize;
        for (var t = 0; t < n; t++)
        {
            VectorOps.RmsNorm(x.AsSpan(t * dim, dim), weight, Config.RmsNormEps, destination.AsSpan(t * dim, dim));
        }
    }

    private unsafe void MatMul(WeightMatrix w, float[] x, int n, float[] y, int ldy)
    {
        fixed (float* px = x, py = y)
        {
            _matMul.Set(w, px, n, py, ldy);
            _pool.Run(_matMul, w.Rows, minPerChunk: 16);
        }
    }

    /// <summary>Applies RoPE to the q and k heads of one token and writes its k and v into the cache.</summary>
    private void RotateAndStore(Span<float> row, KvCache cache, int layer, int position, int t)
    {
        var c = Config;
        var half = c.HeadDim / 2;
        var cos = _scratch.Cos.AsSpan(t * half, half);
        var sin = _scratch.Sin.AsSpan(t * half, half);
        for (var h = 0; h < c.NumHeads + c.NumKvHeads; h++)
        {
            VectorOps.Rope(row.Slice(h * c.HeadDim, c.HeadDim), cos, sin, _rope.Style);
        }

        row.Slice(c.QDim, c.KvDim).CopyTo(cache.Keys[layer].AsSpan(position * c.KvDim, c.KvDim));
        row.Slice(c.QDim + c.KvDim, c.KvDim).CopyTo(cache.Values[layer].AsSpan(position * c.KvDim, c.KvDim));
    }
}
