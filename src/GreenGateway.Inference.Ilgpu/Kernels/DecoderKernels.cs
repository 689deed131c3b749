using ILGPU;
using ILGPU.Runtime;

namespace GreenGateway.Inference.Ilgpu.Kernels;

/// <summary>
/// One activation row of a pass: its token, its position, and where its sequence's keys and values start in the
/// model's KV pool (keys (layers, capacity, kv_dim), then values of the same shape). The same layout as the CUDA
/// backend's RowParam, so prefill rows, batched decode rows and a single decode row run the same kernels.
/// </summary>
public struct RowParam
{
    public int Token;
    public int Position;
    public int Capacity;
    public int Pad;
    public long KvOffset;
}

/// <summary>Shape of one product: y[t, r] (+)= dot(W[r, :], in(x)[t, :]) for t &lt; N, r &lt; Rows.</summary>
public struct ProductArgs
{
    public int Rows;
    public int Cols;
    public int N;
    public int Ldy;
    public int Accumulate;
    public int Mode;
    public float Eps;
}

/// <summary>Shape arguments of RoPE and attention.</summary>
public struct LayerArgs
{
    public int Layer;
    public int Layers;
    public int Heads;
    public int KvHeads;
    public int HeadDim;
    public int Interleaved;
    public int HasBias;
    public int ScoreStride;
    public float Scale;
}

/// <summary>
/// The decoder's kernels in C#, compiled by ILGPU for the accelerator at hand (PTX on CUDA, OpenCL C, or run on the
/// CPU accelerator). They are the CUDA backend's kernels (kernels/*.cu) rewritten: the RMSNorm before a product, the
/// SwiGLU gate before the down product and the residual add are fused into the products, so a layer is six launches.
/// Every kernel is written for any warp size and group size (the CPU accelerator simulates warps of 4 or 32 threads).
/// </summary>
public static class DecoderKernels
{
    /// <summary>in(x) = x (attention output projection).</summary>
    public const int Plain = 0;

    /// <summary>in(x) = x * rsqrt(mean(x^2) + eps) * w (RMSNorm before q/k/v, gate/up and the LM head).</summary>
    public const int Norm = 1;

    /// <summary>in(x)[c] = silu(x[c]) * x[cols + c] (x holds gate then up, 2 * cols wide).</summary>
    public const int SwiGlu = 2;

    private const int Tokens = 4;

    /// <summary>Largest group the kernels accept (the shared arrays below are this long).</summary>
    public const int MaxGroup = 1024;

    /// <summary>
    /// f16 products: W (rows, cols) row-major as 4 halves a ulong (cols % 4 == 0). One warp per output row (a warp takes
    /// rows warp, warp + all warps, ...), four activation rows per pass over the weights, lanes striding over the row.
    /// Launch: groups of whole warps, up to (rows + warps a group - 1) / warps a group groups.
    /// </summary>
    public static void MatVecF16(ArrayView<ulong> w, ArrayView<float> x, ArrayView<float> normW, ArrayView<float> y, ProductArgs a)
    {
        var warps = Group.DimX / Warp.WarpSize;
        for (var row = Grid.IdxX * warps + Warp.WarpIdx; row < a.Rows; row += Grid.DimX * warps)
        {
            RowF16(w, x, normW, y, a, row);
        }
    }

    private static void RowF16(ArrayView<ulong> w, ArrayView<float> x, ArrayView<float> normW, ArrayView<float> y, ProductArgs a, int row)
    {
        var lane = Warp.LaneIdx;
        var chunks = a.Cols >> 2;
        var wBase = (long)row * chunks;
        var stride = a.Mode == SwiGlu ? 2 * a.Cols : a.Cols;
        for (var t0 = 0; t0 < a.N; t0 += Tokens)
        {
            var rs0 = RowScale(x, a, t0, lane);
            var rs1 = RowScale(x, a, t0 + 1, lane);
            var rs2 = RowScale(x, a, t0 + 2, lane);
            var rs3 = RowScale(x, a, t0 + 3, lane);
            var acc0 = 0f;
            var acc1 = 0f;
            var acc2 = 0f;
            var acc3 = 0f;
            for (var c = lane; c < chunks; c += Warp.WarpSize)
            {
                var v = w[wBase + c];
                var w0 = (float)Interop.IntAsFloat((ushort)(v & 0xffff));
                var w1 = (float)Interop.IntAsFloat((ushort)((v >> 16) & 0xffff));
                var w2 = (float)Interop.IntAsFloat((ushort)((v >> 32) & 0xffff));
                var w3 = (float)Interop.IntAsFloat((ushort)(v >> 48));
                var col = 4 * c;
                acc0 += Dot4(x, normW, a, stride, t0, rs0, col, w0, w1, w2, w3);
                acc1 += Dot4(x, normW, a, stride, t0 + 1, rs1, col, w0, w1, w2, w3);
                acc2 += Dot4(x, normW, a, stride, t0 + 2, rs2, col, w0, w1, w2, w3);
                acc3 += Dot4(x, normW, a, stride, t0 + 3, rs3, col, w0, w1, w2, w3);
            }

            Store(y, a, row, t0, lane, acc0);
            Store(y, a, row, t0 + 1, lane, acc1);
            Store(y, a, row, t0 + 2, lane, acc2);
            Store(y, a, row, t0 + 3, lane, acc3);
        }
    }

    /// <summary>
    /// int8 products: q (rows, cols) as 8 signed bytes a ulong, cols % 32 == 0; scales (rows, cols / 32) f32;
    /// W = q * scale (the CPU engine's groups of 32). Launch as <see cref="MatVecF16"/>.
    /// </summary>
    public static void MatVecI8(ArrayView<ulong> q, ArrayView<float> scales, ArrayView<float> x, ArrayView<float> normW, ArrayView<float> y, ProductArgs a)
    {
        var warps = Group.DimX / Warp.WarpSize;
        for (var row = Grid.IdxX * warps + Warp.WarpIdx; row < a.Rows; row += Grid.DimX * warps)
        {
            RowI8(q, scales, x, normW, y, a, row);
        }
    }

    private static void RowI8(ArrayView<ulong> q, ArrayView<float> scales, ArrayView<float> x, ArrayView<float> normW, ArrayView<float> y, ProductArgs a, int row)
    {
        var lane = Warp.LaneIdx;
        var chunks = a.Cols >> 3;
        var qBase = (long)row * chunks;
        var sBase = (long)row * (a.Cols >> 5);
        var stride = a.Mode == SwiGlu ? 2 * a.Cols : a.Cols;
        for (var t0 = 0; t0 < a.N; t0 += Tokens)
        {
            var rs0 = RowScale(x, a, t0, lane);
            var rs1 = RowScale(x, a, t0 + 1, lane);
            var rs2 = RowScale(x, a, t0 + 2, lane);
            var rs3 = RowScale(x, a, t0 + 3, lane);
            var acc0 = 0f;
            var acc1 = 0f;
            var acc2 = 0f;
            var acc3 = 0f;
            for (var c = lane; c < chunks; c += Warp.WarpSize)
            {
                var v = q[qBase + c];
                var scale = scales[sBase + (c >> 2)];
                var col = 8 * c;
                var w0 = (float)(sbyte)(byte)(v & 0xff) * scale;
                var w1 = (float)(sbyte)(byte)((v >> 8) & 0xff) * scale;
                var w2 = (float)(sbyte)(byte)((v >> 16) & 0xff) * scale;
                var w3 = (float)(sbyte)(byte)((v >> 24) & 0xff) * scale;
                var w4 = (float)(sbyte)(byte)((v >> 32) & 0xff) * scale;
                var w5 = (float)(sbyte)(byte)((v >> 40) & 0xff) * scale;
                var w6 = (float)(sbyte)(byte)((v >> 48) & 0xff) * scale;
                var w7 = (float)(sbyte)(byte)(v >> 56) * scale;
                acc0 += Dot4(x, normW, a, stride, t0, rs0, col, w0, w1, w2, w3) + Dot4(x, normW, a, stride, t0, rs0, col + 4, w4, w5, w6, w7);
                acc1 += Dot4(x, normW, a, stride, t0 + 1, rs1, col, w0, w1, w2, w3) + Dot4(x, normW, a, stride, t0 + 1, rs1, col + 4, w4, w5, w6, w7);
                acc2 += Dot4(x, normW, a, stride, t0 + 2, rs2, col, w0, w1, w2, w3) + Dot4(x, normW, a, stride, t0 + 2, rs2, col + 4, w4, w5, w6, w7);
                acc3 += Dot4(x, normW, a, stride, t0 + 3, rs3, col, w0, w1, w2, w3) + Dot4(x, normW, a, stride, t0 + 3, rs3, col + 4, w4, w5, w6, w7);
            }

            Store(y, a, row, t0, lane, acc0);
            Store(y, a, row, t0 + 1, lane, acc1);
            Store(y, a, row, t0 + 2, lane, acc2);
            Store(y, a, row, t0 + 3, lane, acc3);
        }
    }

    /// <summary>Embedding rows, f16: x[t, :] = table[rows[t].Token, :]. Launch: one thread per element (n * dim).</summary>
    public static void EmbedF16(Index1D i, ArrayView<ushort> table, ArrayView<RowParam> rows, ArrayView<float> x, int dim)
    {
        var t = i / dim;
        var c = i - t * dim;
        x[i] = (float)Interop.IntAsFloat(table[(long)rows[t].Token * dim + c]);
    }

    /// <summary>Embedding rows, int8: x[t, :] = q[token, :] * scale of its group of 32. Launch: one thread per element.</summary>
    public static void EmbedI8(Index1D i, ArrayView<sbyte> table, ArrayView<float> scales, ArrayView<RowParam> rows, ArrayView<float> x, int dim)
    {
        var t = i / dim;
        var c = i - t * dim;
        var at = (long)rows[t].Token * dim + c;
        x[i] = table[at] * scales[at >> 5];
    }

    /// <summary>
    /// For row t (one group a row): adds the q/k/v bias if any, rotates q and k heads with the row's cos/sin (computed
    /// on the host in double as the CPU engine does: cosSin (n, head_dim) = cos then sin), and writes k and v into
    /// layer a.Layer of the row's cache at its position.
    /// </summary>
    public static void RopeStore(ArrayView<float> qkv, ArrayView<RowParam> rows, ArrayView<float> cosSin, ArrayView<float> bias,
        ArrayView<float> kv, LayerArgs a)
    {
        var t = Grid.IdxX;
        var width = (a.Heads + 2 * a.KvHeads) * a.HeadDim;
        var rowBase = (long)t * width;
        var r = rows[t];
        if (a.HasBias != 0)
        {
            for (var i = Group.IdxX; i < width; i += Group.DimX)
            {
                qkv[rowBase + i] += bias[i];
            }

            Group.Barrier();
        }

        var half = a.HeadDim / 2;
        var csBase = (long)t * a.HeadDim;
        for (var p = Group.IdxX; p < (a.Heads + a.KvHeads) * half; p += Group.DimX)
        {
            var h = p / half;
            var i = p - h * half;
            var c = cosSin[csBase + i];
            var s = cosSin[csBase + half + i];
            var head = rowBase + h * a.HeadDim;
            var ia = a.Interleaved != 0 ? 2 * i : i;
            var ib = a.Interleaved != 0 ? 2 * i + 1 : i + half;
            var x0 = qkv[head + ia];
            var x1 = qkv[head + ib];
            qkv[head + ia] = x0 * c - x1 * s;
            qkv[head + ib] = x1 * c + x0 * s;
        }

        Group.Barrier();
        var kvDim = a.KvHeads * a.HeadDim;
        var at = r.KvOffset + ((long)a.Layer * r.Capacity + r.Position) * kvDim;
        var valuesAt = at + (long)a.Layers * r.Capacity * kvDim;
        for (var i = Group.IdxX; i < kvDim; i += Group.DimX)
        {
            kv[at + i] = qkv[rowBase + a.Heads * a.HeadDim + i];
            kv[valuesAt + i] = qkv[rowBase + (a.Heads + a.KvHeads) * a.HeadDim + i];
        }
    }

    /// <summary>
    /// Causal grouped-query attention, one group per (row, head) (group index = t * heads + h):
    /// out[t, h] = softmax(q . K[0..pos] * scale) . V[0..pos] over the row's cache. Scores go to a global scratch
    /// (scores, a.ScoreStride a group), so the context is not bounded by shared memory; head_dim &lt;= 1024.
    /// </summary>
    public static void Attention(ArrayView<float> qkv, ArrayView<RowParam> rows, ArrayView<float> kv, ArrayView<float> scores,
        ArrayView<float> output, LayerArgs a)
    {
        var part = SharedMemory.Allocate<float>(MaxGroup);
        var g = Grid.IdxX;
        var t = g / a.Heads;
        var h = g - t * a.Heads;
        var r = rows[t];
        var len = r.Position + 1;
        var width = (a.Heads + 2 * a.KvHeads) * a.HeadDim;
        var kvDim = a.KvHeads * a.HeadDim;
        var kvh = h / (a.Heads / a.KvHeads);
        var keys = r.KvOffset + (long)a.Layer * r.Capacity * kvDim + kvh * a.HeadDim;
        var values = keys + (long)a.Layers * r.Capacity * kvDim;
        var q = (long)t * width + h * a.HeadDim;
        var s = (long)g * a.ScoreStride;
        var m = float.NegativeInfinity;
        for (var p = Group.IdxX; p < len; p += Group.DimX)
        {
            var k = keys + (long)p * kvDim;
            var acc = 0f;
            for (var i = 0; i < a.HeadDim; i++)
            {
                acc += qkv[q + i] * kv[k + i];
            }

            acc *= a.Scale;
            scores[s + p] = acc;
            m = MathF.Max(m, acc);
        }

        m = GroupMax(m);
        var sum = 0f;
        for (var p = Group.IdxX; p < len; p += Group.DimX)
        {
            var e = MathF.Exp(scores[s + p] - m);
            scores[s + p] = e;
            sum += e;
        }

        sum = GroupSum(sum);
        Group.Barrier();
        // Values: groups of positions, one thread per dimension; where the group is narrower than a head (the CPU
        // accelerator's small groups), each thread takes several dimensions of one group of positions.
        var groups = Math.Max(1, Group.DimX / a.HeadDim);
        for (var slot = Group.IdxX; slot < groups * a.HeadDim; slot += Group.DimX)
        {
            var gi = slot / a.HeadDim;
            var d = slot - gi * a.HeadDim;
            var acc = 0f;
            for (var p = gi; p < len; p += groups)
            {
                acc += scores[s + p] * kv[values + (long)p * kvDim + d];
            }

            part[slot] = acc;
        }

        Group.Barrier();
        var inv = 1f / sum;
        for (var i = Group.IdxX; i < a.HeadDim; i += Group.DimX)
        {
            var acc = 0f;
            for (var j = 0; j < groups; j++)
            {
                acc += part[j * a.HeadDim + i];
            }

            output[(long)t * a.Heads * a.HeadDim + h * a.HeadDim + i] = acc * inv;
        }
    }

    /// <summary>choice[t] = argmax of logits row t (the lowest index among equal maxima, as the CPU sampler). One group a row.</summary>
    public static void ArgMax(ArrayView<float> logits, ArrayView<int> choice, int vocab)
    {
        var values = SharedMemory.Allocate<float>(MaxGroup);
        var indices = SharedMemory.Allocate<int>(MaxGroup);
        var t = Grid.IdxX;
        var rowBase = (long)t * vocab;
        var best = float.NegativeInfinity;
        var bestIndex = int.MaxValue;
        for (var i = Group.IdxX; i < vocab; i += Group.DimX)
        {
            var v = logits[rowBase + i];
            if (v > best || bestIndex == int.MaxValue)
            {
                best = v;
                bestIndex = i;
            }
        }

        values[Group.IdxX] = best;
        indices[Group.IdxX] = bestIndex;
        Group.Barrier();
        if (Group.IdxX == 0)
        {
            for (var j = 1; j < Group.DimX; j++)
            {
                var v = values[j];
                var i = indices[j];
                if (v > best || (v == best && i < bestIndex))
                {
                    best = v;
                    bestIndex = i;
                }
            }

            choice[t] = bestIndex;
        }
    }

    /// <summary>1 / rms of activation row t (Norm mode, else 1), computed by the whole warp; every lane gets it.</summary>
    private static float RowScale(ArrayView<float> x, ProductArgs a, int t, int lane)
    {
        if (a.Mode != Norm || t >= a.N)
        {
            return 1f;
        }

        var rowBase = (long)t * a.Cols;
        var ss = 0f;
        for (var c = lane; c < a.Cols; c += Warp.WarpSize)
        {
            var v = x[rowBase + c];
            ss += v * v;
        }

        ss = WarpSum(ss);
        return 1f / MathF.Sqrt(ss / a.Cols + a.Eps);
    }

    /// <summary>Four weights times in(x) of activation row t at columns col..col+3 (0 past the last row).</summary>
    private static float Dot4(ArrayView<float> x, ArrayView<float> normW, ProductArgs a, int stride, int t, float rs, int col,
        float w0, float w1, float w2, float w3)
    {
        if (t >= a.N)
        {
            return 0f;
        }

        var at = (long)t * stride + col;
        if (a.Mode == SwiGlu)
        {
            return w0 * Silu(x[at], x[at + a.Cols]) + w1 * Silu(x[at + 1], x[at + 1 + a.Cols])
                 + w2 * Silu(x[at + 2], x[at + 2 + a.Cols]) + w3 * Silu(x[at + 3], x[at + 3 + a.Cols]);
        }

        if (a.Mode == Norm)
        {
            return w0 * (x[at] * rs * normW[col]) + w1 * (x[at + 1] * rs * normW[col + 1])
                 + w2 * (x[at + 2] * rs * normW[col + 2]) + w3 * (x[at + 3] * rs * normW[col + 3]);
        }

        return w0 * x[at] + w1 * x[at + 1] + w2 * x[at + 2] + w3 * x[at + 3];
    }

    private static float Silu(float g, float u) => g / (1f + MathF.Exp(-g)) * u;

    private static void Store(ArrayView<float> y, ProductArgs a, int row, int t, int lane, float acc)
    {
        if (t >= a.N)
        {
            return; // the same for the whole warp: no lane is left out of a shuffle
        }

        var sum = WarpSum(acc);
        if (lane == 0 && t < a.N)
        {
            var at = (long)t * a.Ldy + row;
            y[at] = a.Accumulate != 0 ? y[at] + sum : sum;
        }
    }

    private static float WarpSum(float v)
    {
        for (var offset = Warp.WarpSize / 2; offset > 0; offset >>= 1)
        {
            v += Warp.ShuffleXor(v, offset);
        }

        return v;
    }

    private static float WarpMax(float v)
    {
        for (var offset = Warp.WarpSize / 2; offset > 0; offset >>= 1)
        {
            v = MathF.Max(v, Warp.ShuffleXor(v, offset));
        }

        return v;
    }

    private static float GroupSum(float v)
    {
        var partial = SharedMemory.Allocate<float>(MaxGroup);
        v = WarpSum(v);
        if (Warp.LaneIdx == 0)
        {
            partial[Warp.WarpIdx] = v;
        }

        Group.Barrier();
        var total = 0f;
        for (var i = 0; i < Group.DimX / Warp.WarpSize; i++)
        {
            total += partial[i];
        }

        Group.Barrier();
        return total;
    }

    private static float GroupMax(float v)
    {
        var partial = SharedMemory.Allocate<float>(MaxGroup);
        v = WarpMax(v);
        if (Warp.LaneIdx == 0)
        {
            partial[Warp.WarpIdx] = v;
        }

        Group.Barrier();
        var total = float.NegativeInfinity;
        for (var i = 0; i < Group.DimX / Warp.WarpSize; i++)
        {
            total = MathF.Max(total, partial[i]);
        }

        Group.Barrier();
        return total;
    }
}
