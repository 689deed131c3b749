using System.Runtime.InteropServices;
using GreenGateway.Inference.Cuda.Native;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Cuda.Model;

public sealed partial class CudaModel
{
    private static readonly int RowParamBytes = Marshal.SizeOf<RowParam>();

    /// <summary>Parts of the forward pass, to leave out of it in timing runs (<see cref="TimingSkip"/>).</summary>
    [Flags]
    internal enum PassParts
    {
        None = 0,
        Attention = 1,
        Qkv = 2,
        Output = 4,
        GateUp = 8,
        Down = 16,
        Head = 32,
    }

    /// <summary>
    /// Launches left out of every pass encoded from now on: cuda-check's breakdown of the decode step (the time of
    /// a part is the step's time with it less the time without it). The results are wrong while any part is left
    /// out; the backend never sets it.
    /// </summary>
    internal static PassParts TimingSkip { get; set; }

    /// <inheritdoc />
    public void Forward(KvCache cache, ReadOnlySpan<int> tokens, Span<float> logits, bool allPositions = false)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var n = tokens.Length;
        CheckCall(tokens, logits, (long)(allPositions ? n : 1) * Config.VocabSize);
        var storage = CheckRoom(cache, n);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            var s = Scratch(n);
            var rows = s.HostRows.AsSpan<RowParam>(n);
            for (var t = 0; t < n; t++)
            {
                rows[t] = Row(tokens[t], cache.Length + t, cache.Capacity, storage);
            }

            var outRows = allPositions ? n : 1;
            Run(n, allPositions);
            CopyLogits(outRows, logits);
            cache.Append(tokens);
        }
    }

    /// <inheritdoc />
    public void ForwardBatch(IReadOnlyList<KvCache> caches, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        var n = tokens.Length;
        ForwardArguments.CheckBatch(caches, n);
        CheckCall(tokens, logits, (long)n * Config.VocabSize);
        var storages = new CudaKvStorage[n];
        for (var i = 0; i < n; i++)
        {
            storages[i] = CheckRoom(caches[i], 1);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            var s = Scratch(n);
            var rows = s.HostRows.AsSpan<RowParam>(n);
            for (var t = 0; t < n; t++)
            {
                rows[t] = Row(tokens[t], caches[t].Length, caches[t].Capacity, storages[t]);
            }

            Run(n, allPositions: true);
            CopyLogits(n, logits);
            for (var t = 0; t < n; t++)
            {
                caches[t].Append(tokens.Slice(t, 1));
            }
        }
    }

    /// <summary>
    /// One greedy decode step that keeps the logits on the GPU: appends <paramref name="token"/> and returns the most
    /// likely next token (argmax_rows), copying 4 bytes back instead of the vocabulary.
    /// </summary>
    public int DecodeGreedy(KvCache cache, int token)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ReadOnlySpan<int> one = [token];
        CheckCall(one, new float[Config.VocabSize], Config.VocabSize);
        var storage = CheckRoom(cache, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            var s = Scratch(1);
            s.HostRows.AsSpan<RowParam>(1)[0] = Row(token, cache.Length, cache.Capacity, storage);
            Run(1, allPositions: false);
            Check.Cu(NativeMethods.cuMemcpyDtoHAsync(s.HostChoice.Address, s.Choice.Pointer, sizeof(int), _device.Stream));
            _device.Synchronize();
            cache.Append(one);
            return s.HostChoice.AsSpan<int>(1)[0];
        }
    }

    /// <inheritdoc />
    public void ForwardGreedy(KvCache cache, ReadOnlySpan<int> tokens, Span<int> next)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var n = tokens.Length;
        CheckCall(tokens, [], 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(next.Length, n, nameof(next));
        var storage = CheckRoom(cache, n);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            var s = Scratch(n);
            var rows = s.HostRows.AsSpan<RowParam>(n);
            for (var t = 0; t < n; t++)
            {
                rows[t] = Row(tokens[t], cache.Length + t, cache.Capacity, storage);
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
        var storages = new CudaKvStorage[n];
        for (var i = 0; i < n; i++)
        {
            storages[i] = CheckRoom(caches[i], 1);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            var s = Scratch(n);
            var rows = s.HostRows.AsSpan<RowParam>(n);
            for (var t = 0; t < n; t++)
            {
                rows[t] = Row(tokens[t], caches[t].Length, caches[t].Capacity, storages[t]);
            }

            Run(n, allPositions: true);
            CopyChoices(n, next);
            for (var t = 0; t < n; t++)
            {
                caches[t].Append(tokens.Slice(t, 1));
            }
        }
    }

    private void CopyChoices(int rows, Span<int> next)
    {
        var s = _scratch;
        Check.Cu(NativeMethods.cuMemcpyDtoHAsync(s.HostChoice.Address, s.Choice.Pointer, (nuint)(rows * sizeof(int)), _device.Stream));
        _device.Synchronize();
        s.HostChoice.AsSpan<int>(rows).CopyTo(next);
    }

    /// <summary>
    /// Microseconds one replay of the decode graph takes on the GPU alone: <paramref name="count"/> replays back to
    /// back with no host round trip between them, each writing position cache.Length of <paramref name="cache"/>
    /// (which is left as it was: the position is not appended).
    /// </summary>
    internal double DecodeGraphMicroseconds(KvCache cache, int count)
    {
        var storage = CheckRoom(cache, 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            var s = Scratch(1);
            s.HostRows.AsSpan<RowParam>(1)[0] = Row(cache.Length > 0 ? cache.Tokens[^1] : 0, cache.Length, cache.Capacity, storage);
            Run(1, allPositions: false);
            _device.Synchronize();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                _graph!.Launch(_device);
            }

            _device.Synchronize();
            return clock.Elapsed.TotalMicroseconds / count;
        }
    }

    /// <summary>Drops the captured decode graph, so the next decode captures it again (after <see cref="TimingSkip"/> changes).</summary>
    internal void DropGraph()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _device.MakeCurrent();
            _device.Synchronize();
            _graph?.Dispose();
            _graph = null;
        }
    }

    /// <summary>Uploads the row parameters and runs the pass: the captured graph for one decode row, else launch by launch.</summary>
    private void Run(int n, bool allPositions)
    {
        var s = _scratch;
        Check.Cu(NativeMethods.cuMemcpyHtoDAsync(s.RowParams.Pointer, s.HostRows.Address, (nuint)(n * RowParamBytes), _device.Stream));
        if (n == 1 && Options.UseGraphs)
        {
            _graph ??= DecodeGraph.Capture(_device, () => Encode(1, allPositions: false));
            _graph.Launch(_device);
        }
        else
        {
            Encode(n, allPositions);
        }
    }

    private void CopyLogits(int rows, Span<float> logits)
    {
        var s = _scratch;
        var count = rows * Config.VocabSize;
        Check.Cu(NativeMethods.cuMemcpyDtoHAsync(s.HostLogits.Address, s.Logits.Pointer, (nuint)(count * sizeof(float)), _device.Stream));
        _device.Synchronize();
        s.HostLogits.AsSpan<float>(count).CopyTo(logits);
    }

    private static RowParam Row(int token, int position, int capacity, CudaKvStorage storage) => new()
    {
        Token = token,
        Position = position,
        Capacity = capacity,
        Keys = storage.Keys.Pointer,
        Values = storage.Values.Pointer,
    };

    /// <summary>
    /// Enqueues the forward pass of n rows on the stream: the CPU engine's RunForward with each RMSNorm, the SwiGLU gate
    /// and the residual adds fused into the products (six launches a layer, five for one row); the last row's logits (or every row's)
    /// land in Logits and their argmax in Choice.
    /// </summary>
    private void Encode(int n, bool allPositions)
    {
        var c = Config;
        var k = _kernels;
        var s = _scratch;
        var w = _weights;
        var dim = c.HiddenSize;
        var qkvWidth = c.QDim + 2 * c.KvDim;
        var scale = 1f / MathF.Sqrt(c.HeadDim);
        var interleaved = c.RopeStyle == RopeStyle.Interleaved ? 1 : 0;
        var blas = _cublas is not null && n >= CublasMinRows;

        // One row (the decode step): rope and attention in one launch (attention.cu); more rows of one sequence need
        // the keys that rope_store writes for each of them before attention reads them.
        var fused = n == 1 && k.Has("attention_rope_row");

        // The own f16 kernels: SwiGLU once per output in the gate+up product (matvec_f16_norm_glu), down then plain;
        // cuBLAS and int8 keep gate and up side by side and apply SwiGLU before down.
        var glu = !blas && w.Layers[0].GateUp.Format == CudaWeightFormat.F16 && k.Has("matvec_f16_norm_glu");
        w.Embedding.Gather(k, s.RowParams.Pointer, n, s.X.Pointer);
        var skip = TimingSkip;
        for (var l = 0; l < c.NumLayers; l++)
        {
            var layer = w.Layers[l];
            if (!skip.HasFlag(PassParts.Qkv))
            {
                Product(layer.Qkv, s.X.Pointer, n, s.Qkv.Pointer, qkvWidth, accumulate: false, blas, norm: (layer.AttentionNorm, c.RmsNormEps));
            }

            var attention = !skip.HasFlag(PassParts.Attention);
            if (attention && fused)
            {
                k["attention_rope_row"].Launch(1, (uint)c.NumHeads, AttentionThreads, (uint)_attentionShared, s.Qkv, s.RowParams,
                    w.InverseFrequencies, layer.QkvBias, s.Attention, l, c.NumHeads, c.NumKvHeads, c.HeadDim, scale, interleaved);
            }
            else if (attention)
            {
                k["rope_store"].Launch((uint)n, (uint)(c.NumHeads + c.NumKvHeads), 128, 0, s.Qkv, s.RowParams, w.InverseFrequencies, layer.QkvBias,
                    l, c.NumHeads, c.NumKvHeads, c.HeadDim, interleaved);
                k["attention_rows"].Launch((uint)n, (uint)c.NumHeads, AttentionThreads, (uint)_attentionShared, s.Qkv, s.RowParams, s.Attention,
                    l, c.NumHeads, c.NumKvHeads, c.HeadDim, scale);
            }

            if (!skip.HasFlag(PassParts.Output))
            {
                Product(layer.Output, s.Attention.Pointer, n, s.X.Pointer, dim, accumulate: true, blas);
            }

            if (glu && !skip.HasFlag(PassParts.GateUp))
            {
                layer.GateUp.MultiplyGlu(k, s.X.Pointer, n, s.GateUp.Pointer, c.IntermediateSize, (layer.MlpNorm, c.RmsNormEps));
            }
            else if (!skip.HasFlag(PassParts.GateUp))
            {
                Product(layer.GateUp, s.X.Pointer, n, s.GateUp.Pointer, 2 * c.IntermediateSize, accumulate: false, blas, norm: (layer.MlpNorm, c.RmsNormEps));
            }

            if (!skip.HasFlag(PassParts.Down))
            {
                Product(layer.Down, s.GateUp.Pointer, n, s.X.Pointer, dim, accumulate: true, blas, swiglu: !glu);
            }
        }

        var first = allPositions ? 0 : n - 1;
        var rows = n - first;
        if (!skip.HasFlag(PassParts.Head))
        {
            Product(w.LmHead, s.X.Pointer + (ulong)(first * dim * sizeof(float)), rows, s.Logits.Pointer, c.VocabSize, accumulate: false,
                _cublas is not null && rows >= CublasMinRows, norm: (w.FinalNorm, c.RmsNormEps));
        }

        k["argmax_rows"].Launch((uint)rows, 1, 256, 0, s.Logits, s.Choice, c.VocabSize);
    }

    /// <summary>
    /// y (+)= W in(x) for n rows: the own fused kernel (matmul.cu), or with <paramref name="blas"/> the input step
    /// writing f16 (prefill.cu) and cuBLAS's GEMM, whose beta = 1 does the residual add.
    /// </summary>
    private void Product(DeviceMatrix m, ulong x, int n, ulong y, int ldy, bool accumulate, bool blas,
        (DeviceBuffer Weights, float Eps)? norm = null, bool swiglu = false)
    {
        if (!blas || m.Format != CudaWeightFormat.F16)
        {
            m.Multiply(_kernels, x, n, y, ldy, accumulate, norm, swiglu);
            return;
        }

        var h = _scratch.HalfInput;
        if (norm is { } nw)
        {
            _kernels["rmsnorm_f16"].Launch((uint)n, 1, 256, 0, x, nw.Weights, h, m.Cols, nw.Eps);
        }
        else if (swiglu)
        {
            _kernels["swiglu_f16"].Launch((uint)((n * m.Cols + 255) / 256), 1, 256, 0, x, h, m.Cols, n);
        }
        else
        {
            _kernels["to_f16"].Launch((uint)((n * m.Cols + 255) / 256), 1, 256, 0, x, h, n * m.Cols);
        }

        _cublas!.GemmF16(m.Data.Pointer, m.Rows, m.Cols, h.Pointer, n, y, ldy, accumulate);
    }

    private CudaScratch Scratch(int n)
    {
        if (_scratch.Rows < n)
        {
            // The graph holds the old buffers' addresses; it is captured again at the next decode.
            _device.Synchronize();
            _graph?.Dispose();
            _graph = null;
            _scratch.Dispose();
            _scratch = new CudaScratch(_device, Config, Math.Max(n, 2 * _scratch.Rows));
        }

        return _scratch;
    }

    private void CheckCall(ReadOnlySpan<int> tokens, Span<float> logits, long needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ForwardArguments.Check(tokens, logits, needed, Config.VocabSize);
    }

    private CudaKvStorage CheckRoom(KvCache cache, int n)
    {
        if (cache.Storage is not CudaKvStorage storage || !ReferenceEquals(storage.Owner, this))
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

        return storage;
    }
}
