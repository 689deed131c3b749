using System.Diagnostics;
using System.Globalization;
using GreenGateway.Inference.Cuda.Energy;
using GreenGateway.ModelHost.Configuration;

namespace GreenGateway.ModelHost.Energy;

/// <summary>A reading taken at the start of a request, to be closed at its end.</summary>
internal readonly record struct EnergyMark(double RaplJoules, TimeSpan CpuTime, EnergyShare Gpu = default);

/// <summary>Joules spent between two marks, and how they were obtained.</summary>
internal readonly record struct EnergyUsage(double Joules, string Method);

/// <summary>
/// Measures the energy of a request: the RAPL package counters (<c>intel-rapl:N/energy_uj</c>, which AMD
/// processors expose through the same powercap interface) where the process may read them, else the process's
/// CPU time times <see cref="ModelHostOptions.WattsPerCore"/>. Both see the whole machine or process, so
/// requests that overlap share their readings; the method travels with every figure. When the model runs on the
/// CUDA backend, a request's figure is instead its fair share of the GPU's NVML energy counter (method <c>nvml</c>):
/// the GPU does the work, and overlapping requests split each interval's energy equally.
/// </summary>
internal sealed class EnergyMeter
{
    public const string RaplMethod = "rapl";
    public const string CpuTimeMethod = "cpu-time-estimate";

    private readonly RaplZone[] _zones;
    private readonly double _wattsPerCore;
    private readonly GpuEnergy? _gpu;

    public EnergyMeter(ModelHostOptions options, GpuEnergy? gpu = null)
    {
        _zones = RaplZone.Discover(options.PowercapPath);
        _wattsPerCore = options.WattsPerCore;
        _gpu = gpu;
    }

    public string Method => _gpu is not null ? GpuEnergy.Method : _zones.Length > 0 ? RaplMethod : CpuTimeMethod;

    public EnergyMark Start() => _gpu is not null
        ? new EnergyMark(0, TimeSpan.Zero, _gpu.Begin())
        : new EnergyMark(ReadRapl(), Process.GetCurrentProcess().TotalProcessorTime);

    public EnergyUsage Stop(EnergyMark mark)
    {
        if (_gpu is not null)
        {
            return new EnergyUsage(_gpu.End(mark.Gpu), GpuEnergy.Method);
        }

        if (_zones.Length > 0)
        {
            var joules = ReadRapl() - mark.RaplJoules;
            if (joules < 0)
            {
                // A counter wrapped (max_energy_range_uj): add one range per zone that did.
                foreach (var z in _zones)
                {
                    joules += z.RangeJoules;
                }
            }

            return new EnergyUsage(joules, RaplMethod);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime - mark.CpuTime;
        return new EnergyUsage(cpu.TotalSeconds * _wattsPerCore, CpuTimeMethod);
    }

    private double ReadRapl()
    {
        var sum = 0.0;
        foreach (var z in _zones)
        {
            sum += z.ReadJoules();
        }

        return sum;
    }

    public static string Format(double joules) => joules.ToString("0.######", CultureInfo.InvariantCulture);
}
