using GreenGateway.Inference.Cuda.Native;

namespace GreenGateway.Inference.Cuda.Energy;

/// <summary>NVML's total-energy counter of one GPU (nvmlDeviceGetTotalEnergyConsumption: millijoules since the driver loaded).</summary>
internal sealed class NvmlEnergyCounter : IEnergyCounter
{
    private readonly nint _device;

    private NvmlEnergyCounter(nint device) => _device = device;

    /// <summary>NVML's handle for the GPU at <paramref name="pciBusId"/> (the CUDA ordinal and NVML's index may differ).</summary>
    public static NvmlEnergyCounter Open(string pciBusId)
    {
        NativeMethods.EnsureResolver();
        Check.Nvml(NativeMethods.nvmlInit());
        Check.Nvml(NativeMethods.nvmlDeviceGetHandleByPciBusId(pciBusId, out var device));
        var counter = new NvmlEnergyCounter(device);
        counter.ReadJoules();
        return counter;
    }

    public double ReadJoules()
    {
        Check.Nvml(NativeMethods.nvmlDeviceGetTotalEnergyConsumption(_device, out var millijoules));
        return millijoules / 1000.0;
    }
}

/// <summary>
/// Measured GPU energy for requests on the CUDA backend: NVML's counter, shared fairly across concurrent requests
/// (<see cref="FairShareEnergyMeter"/>). The figure's method is <see cref="Method"/>.
/// </summary>
public sealed class GpuEnergy : IDisposable
{
    /// <summary>The method string that travels with every figure from this meter.</summary>
    public const string Method = "nvml";

    /// <summary>How often the counter is read for per-request figures: NVML updates it about every 100 ms (measured).</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    private readonly NvmlEnergyCounter _counter;
    private readonly SampledEnergyCounter _sampled;

    private GpuEnergy(NvmlEnergyCounter counter)
    {
        _counter = counter;
        _sampled = new SampledEnergyCounter(counter, SampleInterval);
        Meter = new FairShareEnergyMeter(_sampled);
    }

    public FairShareEnergyMeter Meter { get; }

    /// <summary>The GPU's counter now, read from NVML (milliseconds a read; for benchmarks that measure a whole run).</summary>
    public double ReadJoules() => _counter.ReadJoules();

    public EnergyShare Begin() => Meter.Begin();

    public double End(EnergyShare share) => Meter.End(share);

    /// <summary>NVML for the GPU at <paramref name="pciBusId"/>, or null with the reason (no NVML, no counter on this GPU).</summary>
    internal static GpuEnergy? TryCreate(string pciBusId, out string? reason)
    {
        try
        {
            reason = null;
            return new GpuEnergy(NvmlEnergyCounter.Open(pciBusId));
        }
        catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException)
        {
            reason = e.Message;
            return null;
        }
    }

    public void Dispose()
    {
        _sampled.Dispose();
        NativeMethods.nvmlShutdown();
    }
}
