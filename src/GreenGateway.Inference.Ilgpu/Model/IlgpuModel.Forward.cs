using System.Runtime.InteropServices;
using GreenGateway.Inference.Ilgpu.Kernels;
using GreenGateway.Inference.Models;
using ILGPU;
using ILGPU.Runtime;

namespace GreenGateway.Inference.Ilgpu.Model;

public sealed partial class IlgpuModel
{
    /// <inheritdoc />
    public void Forward(KvCache cache, ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions = false)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var n = tokens.Length;
        CheckCall(tokens, logits, (long)(allPositions ? n : 1) * Config.VocabSize);
        var slot = CheckRoom(cache, n);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = Prepare(n, cache.Length + n);
            for (var t = 0; t < n; t++)
            {
                SetRow(s, t, tokens[t], cache.Length + t, cache.Capacity, slot);
            }

            Run(n, allPositions);
            CopyLogits(allPositions ? n : 1, logits);
            cache.Append(tokens);
        }
    }

    /// <inheritdoc />
    public void ForwardBatch(IReadOnlyList<KvCache> caches, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        var n = tokens.Length;
        ForwardArguments.CheckBatch(caches, n);
        CheckCall(tokens, logits, (long)n * Config.VocabSize);
        var slots = Slots(caches);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = Prepare(n, caches.Max(static c => c.Length) + 1);
            for (var t = 0; t < n; t++)
            {
                SetRow(s, t, tokens[t], caches[t].Length, caches[t].Capacity, slots[t]);
            }

            Run(n, allPositions: true);
            CopyLogits(n, logits);
            for (var t = 0; t < n; t++)
            {
                caches[t].Append(tokens.Slice(t, 1));
            }
        }
    }

    /// <inheritdoc />
    public void ForwardGreedy(KvCache cache, ReadOnlySpan<int> tokens, Span<int> next)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var n = tokens.Length;
        CheckCall(tokens, [], 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(next.Length, n, nameof(next));
        var slot = CheckRoom(cache, n);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = Prepare(n, cache.Length + n);
            for (var t = 0; t < n; t++)
            {
                SetRow(s, t, tokens[t], cache.Length + t, cache.Capacity, slot);
            }

            Run(n, allPositions: true);
            CopyChoices(n, next);
            cache.Append(tokens);
        }
    }

    /// <inheritdoc />
    public void DecodeGreedy(IReadOnlyList<KvCache> caches, ReadOnlySpan<int> tokens, Span<int> next)
    {
        var n = tokens.Length;
        ForwardArguments.CheckBatch(caches, n);
        CheckCall(tokens, [], 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(next.Length, n, nameof(next));
        var slots = Slots(caches);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var s = Prepare(n, caches.Max(static c => c.Length) + 1);
            for (var t = 0; t < n; t++)
            {
                SetRow(s, t, tokens[t], caches[t].Length, caches[t].Capacity, slots[t]);
            }

            Run(n, allPositions: true);
            CopyChoices(n, next);
            for (var t = 0; t < n; t++)
            {
                caches[t].Append(tokens.Slice(t, 1));
            }
        }
    }

    /// <summary>One greedy decode step of one sequence: appends <paramref name="token"/> and returns the most likely next token.</summary>
    public int DecodeGreedy(KvCache cache, int token)
    {
        Span<int> next = stackalloc int[1];
        ForwardGreedy(cache, [token], next);
        return next[0];
    }

    /// <summary>Scratch for n rows whose positions are below <paramref name="positions"/>.</summary>
    private Scratch Prepare(int n, int positions)
    {
        if (_scratch.Rows < n || _scratch.Positions < positions)
        {
            _acc.Synchronize();
            var rows = Math.Max(n, _scratch.Rows);
            var room = Math.Max(positions, _scratch.Positions);
            _scratch.Dispose();
            _scratch = new Scratch(_acc, Config, rows, Math.Max(room, 2 * _scratch.Positions));
        }

        return _scratch;
    }

    private void SetRow(Scratch s, int t, int token, int position, int capacity, KvSlot slot)
    {
        s.HostRows[t] = new RowParam { Token = token, Position = position, Capacity = capacity, KvOffset = slot.Offset };
        var half = Config.HeadDim / 2;
        var table = s.HostCosSin.AsSpan(t * Config.HeadDim, Config.HeadDim);
        for (var i = 0; i < half; i++)
        {
            // As the CPU engine (RotaryEmbedding.Angles): the angle in f32, cos and sin in double, rounded to f32.
            var angle = (float)position * _inverseFrequencies[i];
            table[i] = (float)Math.Cos(angle);
            table[half + i] = (float)Math.Sin(angle);
        }
    }

    /// <summary>
    /// Uploads the row parameters and enqueues the pass: embedding, six launches a layer, the final norm with the LM
    /// head over the last row (or every row), and the argmax of each logits row.
    /// </summary>
    private void Run(int n, bool allPositions)
    {
        var c = Config;
        var s = _scratch;
        var w = _weights;
        var kv = _pool.Buffer.View;
        s.RowParams.View.SubView(0, n).CopyFromCPU(ref s.HostRows[0], n);
        s.CosSin.View.SubView(0, (long)n * c.HeadDim).CopyFromCPU(ref s.HostCosSin[0], (long)n * c.HeadDim);
        var rows = s.RowParams.View;
        var dim = c.HiddenSize;
        if (w.Embedding.Format == IlgpuWeightFormat.F16)
        {
            _embedF16((int)((long)n * dim), ((ArrayView<ulong>)w.Embedding.Data.View).Cast<ushort>(), rows, s.X.View, dim);
        }
        else
        {
            _embedI8((int)((long)n * dim), ((ArrayView<ulong>)w.Embedding.Data.View).Cast<sbyte>(), w.Embedding.Scales!.View, rows, s.X.View, dim);
        }

        var qkvWidth = c.QDim + 2 * c.KvDim;
        var args = new LayerArgs
        {
            Layers = c.NumLayers,
            Heads = c.NumHeads,
            KvHeads = c.NumKvHeads,
            HeadDim = c.HeadDim,
            Interleaved = c.RopeStyle == RopeStyle.Interleaved ? 1 : 0,
            ScoreStride = s.Positions,
            Scale = 1f / MathF.Sqrt(c.HeadDim),
        };
        for (var l = 0; l < c.NumLayers; l++)
        {
            var layer = w.Layers[l];
            var a = args with { Layer = l, HasBias = layer.QkvBias is null ? 0 : 1 };
            Product(layer.Qkv, s.X.View, n, s.Qkv.View, qkvWidth, accumulate: false, DecoderKernels.Norm, layer.AttentionNorm.View);
            _rope(new KernelConfig(n, _group), s.Qkv.View, rows, s.CosSin.View, (layer.QkvBias ?? layer.AttentionNorm).View, kv, a);
            _attention(new KernelConfig(n * c.NumHeads, _group), s.Qkv.View, rows, kv, s.Scores.View, s.Attention.View, a);
            Product(layer.Output, s.Attention.View, n, s.X.View, dim, accumulate: true, DecoderKernels.Plain, layer.AttentionNorm.View);
            Product(layer.GateUp, s.X.View, n, s.GateUp.View, 2 * c.IntermediateSize, accumulate: false, DecoderKernels.Norm, layer.MlpNorm.View);
            Product(layer.Down, s.GateUp.View, n, s.X.View, dim, accumulate: true, DecoderKernels.SwiGlu, layer.MlpNorm.View);
        }

        var first = allPositions ? 0 : n - 1;
        var outRows = n - first;
        Product(w.LmHead, ((ArrayView<float>)s.X.View).SubView((long)first * dim), outRows, s.Logits.View, c.VocabSize, accumulate: false, DecoderKernels.Norm, w.FinalNorm.View);
        _argmax(new KernelConfig(outRows, _group), s.Logits.View, s.Choice.View, c.VocabSize);
    }

    private void Product(IlgpuMatrix m, ArrayView<float> x, int n, ArrayView<float> y, int ldy, bool accumulate, int mode, ArrayView<float> norm)
    {
        var a = new ProductArgs
        {
            Rows = m.Rows, Cols = m.Cols, N = n, Ldy = ldy, Accumulate = accumulate ? 1 : 0, Mode = mode, Eps = Config.RmsNormEps,
        };
        var warps = _group / _acc.WarpSize;
        var config = new KernelConfig(Math.Min((m.Rows + warps - 1) / warps, _maxGroups), _group);
        if (m.Format == IlgpuWeightFormat.F16)
        {
            _matF16(config, m.Data.View, x, norm, y, a);
        }
        else
        {
            _matI8(config, m.Data.View, m.Scales!.View, x, norm, y, a);
        }
    }

    private void CopyLogits(int rows, Span<float> logits)
    {
        var count = (long)rows * Config.VocabSize;
        _scratch.Logits.View.SubView(0, count).CopyToCPU(ref MemoryMarshal.GetReference(logits), count);
        _acc.Synchronize();
    }

    private void CopyChoices(int rows, Span<int> next)
    {
        _scratch.Choice.View.SubView(0, rows).CopyToCPU(ref MemoryMarshal.GetReference(next), rows);
        _acc.Synchronize();
    }

    private void CheckCall(ReadOnlySpan<int> tokens, Span<float> logits, long needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ForwardArguments.Check(tokens, logits, needed, Config.VocabSize);
    }

    private KvSlot[] Slots(IReadOnlyList<KvCache> caches)
    {
        var slots = new KvSlot[caches.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = CheckRoom(caches[i], 1);
        }

        return slots;
    }

    private KvSlot CheckRoom(KvCache cache, int n)
    {
        if (cache.Storage is not KvSlot slot || !ReferenceEquals(slot.Owner, this))
        {
            throw new ArgumentException("the KV cache was made for another model or backend.", nameof(cache));
        }

        if (cache.Length + n > cache.Capacity)
        {
            throw new InvalidOperationException(
                $"the KV cache holds {cache.Capacity} positions; {cache.Length} are used and {n} more were given.");
        }

        if (Config.SlidingWindow is { } window && cache.Length + n > window)
        {
            throw new NotSupportedException($"sequences longer than the sliding window ({window}) are not supported.");
        }

        return slot;
    }
}
