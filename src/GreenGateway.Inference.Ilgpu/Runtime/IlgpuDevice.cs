using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace GreenGateway.Inference.Ilgpu.Runtime;

/// <summary>Which of ILGPU's accelerators runs the kernels.</summary>
public enum IlgpuDeviceKind
{
    /// <summary>An NVIDIA GPU through the CUDA driver (ILGPU emits PTX; the driver compiles it).</summary>
    Cuda,

    /// <summary>An OpenCL 2.0+ device (ILGPU emits OpenCL C).</summary>
    OpenCL,

    /// <summary>ILGPU's CPU accelerator: a simulated GPU with warps of 4 threads, groups of up to 16 (CI, tests).</summary>
    Cpu,

    /// <summary>The CPU accelerator simulating an NVIDIA GPU: warps of 32, groups of up to 1024 threads.</summary>
    CpuNvidia,

    /// <summary>
    /// The CPU accelerator with warps of two threads, groups of up to 8, one simulated multiprocessor: one shuffle step
    /// a reduction and few threads to hand off, so whole models run on a shared two-core CI machine (the kernel tests cover the shuffles).
    /// </summary>
    CpuSingleLane,
}

/// <summary>An ILGPU context and one accelerator of the asked kind; disposes both.</summary>
public sealed class IlgpuDevice : IDisposable
{
    private IlgpuDevice(Context context, Accelerator accelerator, IlgpuDeviceKind kind)
    {
        Context = context;
        Accelerator = accelerator;
        Kind = kind;
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public IlgpuDeviceKind Kind { get; }

    /// <summary>The accelerator in words: name, type, warp size, memory.</summary>
    public override string ToString() =>
        $"{Accelerator.Name} (ILGPU {Accelerator.AcceleratorType}, warp {Accelerator.WarpSize}, groups up to {Accelerator.MaxNumThreadsPerGroup}, {Accelerator.MemorySize / (1 << 20)} MiB)";

    /// <summary>Opens device <paramref name="index"/> of <paramref name="kind"/>; throws <see cref="IlgpuUnavailableException"/> saying why when there is none.</summary>
    public static IlgpuDevice Open(IlgpuDeviceKind kind, int index = 0)
    {
        Context? context = null;
        try
        {
            // O1 keeps compile times short; fast math stays off so that sqrt is the accurate one. ILGPU.Algorithms supplies exp
            // on PTX and OpenCL (without it the PTX backend stops with "ExpF does not have an intrinsic implementation",
            // the internal compiler error of the first GPU run).
            context = kind switch
            {
                IlgpuDeviceKind.Cuda => Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O1).EnableAlgorithms()),
                IlgpuDeviceKind.OpenCL => Context.Create(b => b.OpenCL().Optimize(OptimizationLevel.O1).EnableAlgorithms()),
                IlgpuDeviceKind.Cpu => Context.Create(b => b.CPU(CPUDeviceKind.Default).Optimize(OptimizationLevel.O1).EnableAlgorithms()),
                IlgpuDeviceKind.CpuSingleLane => Context.Create(b => b.CPU(new CPUDevice(2, 4, 1)).Optimize(OptimizationLevel.O1).EnableAlgorithms()),
                _ => Context.Create(b => b.CPU(CPUDeviceKind.Nvidia).Optimize(OptimizationLevel.O1).EnableAlgorithms()),
            };
            Accelerator accelerator = kind switch
            {
                IlgpuDeviceKind.Cuda => context.GetCudaDevices().Count > index
                    ? context.CreateCudaAccelerator(index)
                    : throw new IlgpuUnavailableException($"ILGPU found {context.GetCudaDevices().Count} CUDA devices (libcuda.so and an NVIDIA GPU are needed)"),
                IlgpuDeviceKind.OpenCL => context.GetCLDevices().Count > index
                    ? context.CreateCLAccelerator(index)
                    : throw new IlgpuUnavailableException($"ILGPU found {context.GetCLDevices().Count} usable OpenCL devices (an OpenCL 2.0+ driver with generic address spaces is needed)"),
                _ => context.CreateCPUAccelerator(0),
            };
            return new IlgpuDevice(context, accelerator, kind);
        }
        catch (Exception e) when (e is not IlgpuUnavailableException)
        {
            context?.Dispose();
            throw new IlgpuUnavailableException($"ILGPU could not open a {kind} accelerator: {e.Message}", e);
        }
        catch
        {
            context?.Dispose();
            throw;
        }
    }

    /// <summary>Whether an accelerator of <paramref name="kind"/> opens here, and if not, why.</summary>
    public static bool Probe(IlgpuDeviceKind kind, out string reason)
    {
        try
        {
            using var device = Open(kind);
            reason = device.ToString();
            return true;
        }
        catch (IlgpuUnavailableException e)
        {
            reason = e.Message;
            return false;
        }
    }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

/// <summary>No accelerator of the asked kind could be opened.</summary>
public sealed class IlgpuUnavailableException : Exception
{
    public IlgpuUnavailableException(string message)
        : base(message)
    {
    }

    public IlgpuUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
