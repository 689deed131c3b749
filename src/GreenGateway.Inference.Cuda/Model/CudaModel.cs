using GreenGateway.Inference.Cuda.Compilation;
using GreenGateway.Inference.Cuda.Energy;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Inference.Cuda.Model;

/// <summary>
/// A decoder-only transformer on one GPU, behind the engine's <see cref="IModelBackend"/>. The weights are those the
/// CPU loader read (f16 kept exactly, or int8), uploaded once; the forward pass is the CPU engine's, kernel for
/// kernel (kernels/*.cu), with activations and the KV cache in f32. The batch-1 decode step is captured once as a
/// CUDA graph and replayed. Calls are serialized, as on the CPU.
/// </summary>
public sealed partial class CudaModel : IModelBackend, IGreedyDecoding
{
    private const int MinScratchRows = 64;

    /// <summary>Threads of an attention_rows block (kernels/attention.cu).</summary>
    internal const int AttentionThreads = 512;

    private readonly CudaDevice _device;
    private KernelLibrary _kernels;
    private readonly CudaWeights _weights;
    private readonly Lock _gate = new();
    private readonly int _attentionShared;
    private CudaScratch _scratch;
    private readonly CublasHandle? _cublas;
    private DecodeGraph? _graph;
    private bool _disposed;

    private CudaModel(CudaDevice device, TransformerModel cpu, CudaOptions options)
    {
        _device = device;
        Config = cpu.Config;
        Options = options;
        MaxContextTokens = options.MaxContextTokens
            ?? Math.Min(cpu.Config.MaxPositionEmbeddings, AttentionPositionsThatFit(cpu.Config.HeadDim, device.MaxSharedBytesPerBlock));
        _kernels = new KernelLibrary(device, options.ModuleCacheDirectory ?? ModuleCache.DefaultDirectory(), options.KernelDirectory);
        try
        {
            _weights = CudaWeights.Upload(device, cpu, options.Weights);
            if (Config.HeadDim % 4 != 0 || Config.HeadDim > AttentionThreads)
            {
                throw new NotSupportedException($"the CUDA attention kernel needs head_dim divisible by 4 and at most {AttentionThreads}, not {Config.HeadDim}.");
            }

            _attentionShared = AttentionSharedBytes(Config.HeadDim, MaxContextTokens);
            if (_attentionShared > device.MaxSharedBytesPerBlock - AttentionStaticSharedBytes)
            {
                throw new NotSupportedException(
                    $"attention over {MaxContextTokens} positions needs {_attentionShared} bytes of shared memory; the GPU allows " +
                    $"{device.MaxSharedBytesPerBlock - AttentionStaticSharedBytes} ({AttentionPositionsThatFit(Config.HeadDim, device.MaxSharedBytesPerBlock)} positions).");
            }

            AllowAttentionShared(_kernels);

            _scratch = new CudaScratch(device, Config, MinScratchRows);
            device.ProgrammaticLaunch = options.ProgrammaticLaunch && device.ComputeCapability >= 90 && device.DriverVersion >= 12030;
            CublasMinRows = options.CublasMinRowsFor(_weights.BytesPerToken);
            if (CublasMinRows > 0 && options.Weights == CudaWeightFormat.F16)
            {
                try
                {
                    _cublas = new CublasHandle(device);
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or Native.CudaException)
                {
                    CublasUnavailableReason = e.Message;
                }
            }

            Energy = GpuEnergy.TryCreate(device.PciBusId, out var reason);
            EnergyUnavailableReason = reason;
        }
        catch
        {
            _kernels.Dispose();
            throw;
        }
    }

    /// <summary>Always <c>cuda</c>.</summary>
    public string Name => "cuda";

    public ModelConfig Config { get; }

    public CudaOptions Options { get; }

    /// <summary>Longest sequence a cache of this model may hold.</summary>
    public int MaxContextTokens { get; }

    /// <summary>The GPU, in words: name, architecture, multiprocessors, memory.</summary>
    public string DeviceDescription => _device.ToString();

    /// <summary>Bytes of weights that one decoded token reads: the floor that memory bandwidth sets.</summary>
    public long WeightBytesPerToken => _weights.BytesPerToken;

    /// <summary>NVML's energy counter for this GPU, shared fairly across requests; null where NVML cannot be read.</summary>
    public GpuEnergy? Energy { get; }

    /// <summary>Why cuBLAS is not used for prefill although asked for (no libcublas), or null.</summary>
    public string? CublasUnavailableReason { get; }

    /// <summary>
    /// Passes of this many rows or more use cuBLAS (<see cref="CudaOptions.CublasMinRowsFor"/>); 0: never. Set only by
    /// cuda-check's A/B run of the threshold on one upload (--verify-rows), and only above 0.
    /// </summary>
    public int CublasMinRows { get; internal set; }

    /// <summary>Whether passes of <see cref="CublasMinRows"/> rows or more use cuBLAS.</summary>
    public bool UsesCublas => _cublas is not null;

    /// <summary>Why <see cref="Energy"/> is null, or null.</summary>
    public string? EnergyUnavailableReason { get; }

    /// <summary>Kernel files compiled by NVRTC at this load, and read from the module cache.</summary>
    public (int Compiled, int Cached, TimeSpan Time) KernelLoad => (_kernels.CompiledModules, _kernels.CachedModules, _kernels.LoadTime);

    internal CudaDevice Device => _device;

    /// <summary>
    /// The attention kernels' dynamic shared memory: q, the new key and value and the rotation's cos/sin
    /// (attention_rope_row), the per-group partial outputs (four floats a thread), and a score per position.
    /// </summary>
    internal static int AttentionSharedBytes(int headDim, int positions) => (4 * headDim + 4 * AttentionThreads + positions) * sizeof(float);

    /// <summary>
    /// Shared memory a block keeps for the attention kernels' own arrays (a 32-float scratch, 128 bytes), which the
    /// dynamic shared memory's opt-in limit does not cover: the rest of the block's maximum is what a launch may ask.
    /// </summary>
    internal const int AttentionStaticSharedBytes = 1024;

    /// <summary>
    /// The most positions a cache may hold for the attention kernels' shared memory (a score each): the default
    /// context where the model's max_position_embeddings is more (Llama 3.1's 131,072 against 55,296 with head_dim
    /// 128 and the H200's 227 KB a block).
    /// </summary>
    internal static int AttentionPositionsThatFit(int headDim, int sharedBytesPerBlock) =>
        (sharedBytesPerBlock - AttentionStaticSharedBytes) / sizeof(float) - 4 * headDim - 4 * AttentionThreads;

    /// <summary>
    /// Replaces the kernels with those compiled from <paramref name="directory"/> (null: the embedded ones) and drops
    /// the captured graph: cuda-check's A/B runs of kernel variants on one uploaded model (--decode-variants).
    /// </summary>
    internal void ReloadKernels(string? directory)
    {
        DropGraph();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var next = new KernelLibrary(_device, Options.ModuleCacheDirectory ?? ModuleCache.DefaultDirectory(), directory);
            AllowAttentionShared(next);
            _kernels.Dispose();
            _kernels = next;
        }
    }

    private void AllowAttentionShared(KernelLibrary kernels)
    {
        if (_attentionShared <= 48 * 1024)
        {
            return;
        }

        foreach (var name in new[] { "attention_rows", "attention_rope_row" })
        {
            if (kernels.Has(name))
            {
                kernels[name].AllowSharedBytes(_attentionShared);
            }
        }
    }

    internal KernelLibrary Kernels => _kernels;

    /// <summary>Uploads a model the CPU loader built (f32 or f16 widened) to GPU <see cref="CudaOptions.Device"/>.</summary>
    public static CudaModel FromCpuModel(TransformerModel cpu, CudaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        options ??= new CudaOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid CUDA options: " + string.Join("; ", errors) + ".", nameof(options));
        }

        var device = CudaDevice.Open(options.Device);
        try
        {
            return new CudaModel(device, cpu, options);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>A cache in GPU memory for one sequence of up to <paramref name="capacity"/> positions.</summary>
    public KvCache CreateCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxContextTokens);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var bytes = (long)Config.NumLayers * capacity * Config.KvDim * sizeof(float);
            var keys = new DeviceBuffer(_device, bytes);
            var values = new DeviceBuffer(_device, bytes);
            return new KvCache(Config, capacity, new CudaKvStorage(this, keys, values));
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
            _device.MakeCurrent();
            _device.Synchronize();
            _graph?.Dispose();
            _cublas?.Dispose();
            _scratch.Dispose();
            _weights.Dispose();
            _kernels.Dispose();
            Energy?.Dispose();
            _device.Dispose();
        }
    }
}
