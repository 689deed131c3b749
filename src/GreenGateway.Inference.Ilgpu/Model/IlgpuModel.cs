using System.Runtime.InteropServices;
using GreenGateway.Inference.Ilgpu.Kernels;
using GreenGateway.Inference.Ilgpu.Runtime;
using GreenGateway.Inference.Models;
using ILGPU;
using ILGPU.Runtime;

namespace GreenGateway.Inference.Ilgpu.Model;

/// <summary>Options of the ILGPU backend.</summary>
public sealed record IlgpuOptions
{
    public IlgpuDeviceKind Device { get; init; } = IlgpuDeviceKind.Cuda;

    public int DeviceIndex { get; init; }

    public IlgpuWeightFormat Weights { get; init; } = IlgpuWeightFormat.F16;

    /// <summary>Threads a group (rounded down to whole warps and to what the accelerator allows).</summary>
    public int GroupSize { get; init; } = 256;

    /// <summary>Longest sequence a cache may hold; default the model's max_position_embeddings.</summary>
    public int? MaxContextTokens { get; init; }
}

/// <summary>
/// A decoder-only transformer on an ILGPU accelerator, behind the engine's <see cref="IModelBackend"/>: the CUDA
/// backend's forward pass with its kernels written in C# (<see cref="DecoderKernels"/>), compiled by ILGPU for a CUDA
/// GPU, an OpenCL device, or run on ILGPU's CPU accelerator (CI). Weights f16 or int8, activations and the KV cache
/// f32; every sequence's keys and values live in one pool on the accelerator (<see cref="KvPool"/>). Calls are
/// serialized.
/// </summary>
public sealed partial class IlgpuModel : IModelBackend, IGreedyDecoding
{
    private const int MinScratchRows = 16;

    private readonly IlgpuDevice _device;
    private readonly Accelerator _acc;
    private readonly IlgpuWeights _weights;
    private readonly float[] _inverseFrequencies;
    private readonly Lock _gate = new();
    private readonly KvPool _pool;
    private readonly int _group;

    // Groups a product launches at most: on a GPU one per few rows; on the CPU accelerator, where every group costs
    // thread hand-offs, a few per simulated multiprocessor, each warp taking many rows.
    private readonly int _maxGroups;
    private readonly Action<KernelConfig, ArrayView<ulong>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductArgs> _matF16;
    private readonly Action<KernelConfig, ArrayView<ulong>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductArgs> _matI8;
    private readonly Action<Index1D, ArrayView<ushort>, ArrayView<RowParam>, ArrayView<float>, int> _embedF16;
    private readonly Action<Index1D, ArrayView<sbyte>, ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, int> _embedI8;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerArgs> _rope;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerArgs> _attention;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, int> _argmax;
    private Scratch _scratch;
    private bool _disposed;

    private IlgpuModel(IlgpuDevice device, TransformerModel cpu, IlgpuOptions options)
    {
        _device = device;
        _acc = device.Accelerator;
        Config = cpu.Config;
        Options = options;
        MaxContextTokens = options.MaxContextTokens ?? cpu.Config.MaxPositionEmbeddings;
        _inverseFrequencies = cpu.InverseFrequencies.ToArray();
        var warp = _acc.WarpSize;
        _group = Math.Max(warp, Math.Min(Math.Min(options.GroupSize, _acc.MaxNumThreadsPerGroup), DecoderKernels.MaxGroup) / warp * warp);
        _maxGroups = device.Kind is IlgpuDeviceKind.Cpu or IlgpuDeviceKind.CpuNvidia or IlgpuDeviceKind.CpuSingleLane ? 2 * _acc.NumMultiprocessors : int.MaxValue;
        if (Config.HeadDim % 2 != 0)
        {
            throw new NotSupportedException($"the ILGPU backend needs an even head_dim, not {Config.HeadDim}.");
        }

        _weights = IlgpuWeights.Upload(_acc, cpu, options.Weights);
        try
        {
            _matF16 = _acc.LoadStreamKernel<ArrayView<ulong>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductArgs>(DecoderKernels.MatVecF16);
            _matI8 = _acc.LoadStreamKernel<ArrayView<ulong>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ProductArgs>(DecoderKernels.MatVecI8);
            _embedF16 = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<ushort>, ArrayView<RowParam>, ArrayView<float>, int>(DecoderKernels.EmbedF16);
            _embedI8 = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<sbyte>, ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, int>(DecoderKernels.EmbedI8);
            _rope = _acc.LoadStreamKernel<ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerArgs>(DecoderKernels.RopeStore);
            _attention = _acc.LoadStreamKernel<ArrayView<float>, ArrayView<RowParam>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LayerArgs>(DecoderKernels.Attention);
            _argmax = _acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int>(DecoderKernels.ArgMax);
            _pool = new KvPool(_acc, (long)Config.NumLayers * Config.KvDim * 2 * 256);
            _scratch = new Scratch(_acc, Config, MinScratchRows, 256);
        }
        catch
        {
            _weights.Dispose();
            throw;
        }
    }

    /// <summary><c>ilgpu-cuda</c>, <c>ilgpu-opencl</c> or <c>ilgpu-cpu</c>.</summary>
    public string Name => _device.Kind switch
    {
        IlgpuDeviceKind.Cuda => "ilgpu-cuda",
        IlgpuDeviceKind.OpenCL => "ilgpu-opencl",
        _ => "ilgpu-cpu",
    };

    public ModelConfig Config { get; }

    public IlgpuOptions Options { get; }

    public int MaxContextTokens { get; }

    /// <summary>The accelerator, in words.</summary>
    public string DeviceDescription => _device.ToString();

    /// <summary>Threads a group the kernels are launched with.</summary>
    public int GroupSize => _group;

    public long WeightBytesPerToken => _weights.BytesPerToken;

    /// <summary>Opens an accelerator of <see cref="IlgpuOptions.Device"/> and uploads a model the CPU loader built.</summary>
    public static IlgpuModel FromCpuModel(TransformerModel cpu, IlgpuOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        options ??= new IlgpuOptions();
        var device = IlgpuDevice.Open(options.Device, options.DeviceIndex);
        try
        {
            return new IlgpuModel(device, cpu, options);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>A cache in the accelerator's KV pool for one sequence of up to <paramref name="capacity"/> positions.</summary>
    public KvCache CreateCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxContextTokens);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var length = 2L * Config.NumLayers * capacity * Config.KvDim;
            var offset = _pool.Rent(length);
            return new KvCache(Config, capacity, new KvSlot(this, offset, length));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _acc.Synchronize();
            _scratch.Dispose();
            _pool.Dispose();
            _weights.Dispose();
            _device.Dispose();
        }
    }

    private void Return(KvSlot slot)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _pool.Return(slot.Offset, slot.Length);
            }
        }
    }

    /// <summary>A sequence's place in the pool: <see cref="Length"/> floats from <see cref="Offset"/>.</summary>
    internal sealed class KvSlot(IlgpuModel owner, long offset, long length) : IDisposable
    {
        private int _released;

        public IlgpuModel Owner { get; } = owner;

        public long Offset { get; } = offset;

        public long Length { get; } = length;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Owner.Return(this);
            }
        }
    }

    /// <summary>Activations of up to Rows rows, the row parameters and their RoPE tables, attention scores.</summary>
    private sealed class Scratch : IDisposable
    {
        public Scratch(Accelerator acc, ModelConfig c, int rows, int positions)
        {
            Rows = rows;
            Positions = positions;
            X = acc.Allocate1D<float>((long)rows * c.HiddenSize);
            Qkv = acc.Allocate1D<float>((long)rows * (c.QDim + 2 * c.KvDim));
            Attention = acc.Allocate1D<float>((long)rows * c.QDim);
            GateUp = acc.Allocate1D<float>((long)rows * 2 * c.IntermediateSize);
            Logits = acc.Allocate1D<float>((long)rows * c.VocabSize);
            Choice = acc.Allocate1D<int>(rows);
            RowParams = acc.Allocate1D<RowParam>(rows);
            CosSin = acc.Allocate1D<float>((long)rows * c.HeadDim);
            Scores = acc.Allocate1D<float>((long)rows * c.NumHeads * positions);
            HostRows = new RowParam[rows];
            HostCosSin = new float[rows * c.HeadDim];
        }

        public int Rows { get; }

        public int Positions { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> X { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Qkv { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Attention { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> GateUp { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Logits { get; }

        public MemoryBuffer1D<int, Stride1D.Dense> Choice { get; }

        public MemoryBuffer1D<RowParam, Stride1D.Dense> RowParams { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> CosSin { get; }

        public MemoryBuffer1D<float, Stride1D.Dense> Scores { get; }

        public RowParam[] HostRows { get; }

        public float[] HostCosSin { get; }

        public void Dispose()
        {
            X.Dispose();
            Qkv.Dispose();
            Attention.Dispose();
            GateUp.Dispose();
            Logits.Dispose();
            Choice.Dispose();
            RowParams.Dispose();
            CosSin.Dispose();
            Scores.Dispose();
        }
    }
}

/// <summary>
/// Every sequence's keys and values in one accelerator buffer (kernels address a row's cache by offset, as ILGPU
/// passes no arrays of buffers). First-fit over a free list; when nothing fits the pool doubles, copying what it holds.
/// </summary>
internal sealed class KvPool : IDisposable
{
    private readonly Accelerator _acc;
    private readonly List<(long Offset, long Length)> _free = [];

    public KvPool(Accelerator acc, long initial)
    {
        _acc = acc;
        Buffer = acc.Allocate1D<float>(Math.Max(initial, 1024));
        _free.Add((0, Buffer.Length));
    }

    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; private set; }

    public long Rent(long length)
    {
        for (var i = 0; i < _free.Count; i++)
        {
            var (offset, size) = _free[i];
            if (size >= length)
            {
                if (size == length)
                {
                    _free.RemoveAt(i);
                }
                else
                {
                    _free[i] = (offset + length, size - length);
                }

                return offset;
            }
        }

        Grow(length);
        return Rent(length);
    }

    public void Return(long offset, long length)
    {
        _free.Add((offset, length));
        _free.Sort(static (a, b) => a.Offset.CompareTo(b.Offset));
        for (var i = _free.Count - 1; i > 0; i--)
        {
            if (_free[i - 1].Offset + _free[i - 1].Length == _free[i].Offset)
            {
                _free[i - 1] = (_free[i - 1].Offset, _free[i - 1].Length + _free[i].Length);
                _free.RemoveAt(i);
            }
        }
    }

    private void Grow(long needed)
    {
        var old = Buffer;
        var size = Math.Max(2 * old.Length, old.Length + needed);
        var grown = _acc.Allocate1D<float>(size);
        old.View.CopyTo(grown.View.SubView(0, old.Length));
        _acc.Synchronize();
        old.Dispose();
        Buffer = grown;
        Return(old.Length, size - old.Length);
    }

    public void Dispose() => Buffer.Dispose();
}
