using System.Diagnostics;
using System.Globalization;
using GreenGateway.Inference.Cuda.Energy;
using GreenGateway.ModelHost.Configuration;

namespace GreenGateway.ModelHost.Energy;

/// <summary>
/// A request's place in the meter, from <see cref="EnergyMeter.Start"/>: <see cref="Stop"/> reads its joules; disposing
/// it without stopping (a request that failed) takes it out of the share, so that it never holds a part of others'.
/// </summary>
internal sealed class EnergyMark(FairShareEnergyMeter meter, EnergyShare share, string method) : IDisposable
{
    private EnergyUsage? _usage;

    /// <summary>The request's joules, once; later calls give the same figure.</summary>
    public EnergyUsage Stop() => _usage ??= new EnergyUsage(meter.End(share), method);

    public void Dispose() => Stop();
}

/// <summary>Joules spent between two marks, and how they were obtained.</summary>
internal readonly record struct EnergyUsage(double Joules, string Method);

/// <summary>
/// Measures the energy of a request: the RAPL package counters (<c>intel-rapl:N/energy_uj</c>, which AMD
/// processors expose through the same powercap interface) where the process may read them, else the process's
/// CPU time times <see cref="ModelHostOptions.WattsPerCore"/>, else, when the model runs on the CUDA backend, the
/// GPU's NVML energy counter (method <c>nvml</c>). Whatever the counter, requests that overlap split it fairly
/// (<see cref="FairShareEnergyMeter"/>: each interval's energy divided equally among the requests active in it), so
/// that two concurrent requests are not each charged the whole. The CPU-time counter sees the whole process: in
/// the gateway's process (<c>ModelServer.Mode: in-process</c>) that includes the gateway's own work, which is why
/// measurements are made with the model host as a child process (docs/model-host.md).
/// </summary>
internal sealed class EnergyMeter
{
    public const string RaplMethod = "rapl";
    public const string CpuTimeMethod = "cpu-time-estimate";

    private readonly FairShareEnergyMeter _share;

    public EnergyMeter(ModelHostOptions options, GpuEnergy? gpu = null)
    {
        var zones = RaplZone.Discover(options.PowercapPath);
        (Method, _share) = gpu is not null ? (GpuEnergy.Method, gpu.Meter)
            : zones.Length > 0 ? (RaplMethod, new FairShareEnergyMeter(new RaplCounter(zones)))
            : (CpuTimeMethod, new FairShareEnergyMeter(new CpuTimeCounter(options.WattsPerCore)));
    }

    public string Method { get; }

    public EnergyMark Start() => new(_share, _share.Begin(), Method);

    public EnergyUsage Stop(EnergyMark mark) => mark.Stop();

    public static string Format(double joules) => joules.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>The process's CPU time as joules (times the watts a busy core draws).</summary>
    private sealed class CpuTimeCounter(double wattsPerCore) : IEnergyCounter
    {
        public double ReadJoules() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds * wattsPerCore;
    }

    /// <summary>The RAPL zones' counters summed, with each zone's wrap-around (max_energy_range_uj) carried.</summary>
    private sealed class RaplCounter(RaplZone[] zones) : IEnergyCounter
    {
        private readonly double[] _last = [.. zones.Select(_ => double.NaN)];
        private readonly Lock _gate = new();
        private double _total;

        public double ReadJoules()
        {
            lock (_gate)
            {
                for (var i = 0; i < zones.Length; i++)
                {
                    var now = zones[i].ReadJoules();
                    if (!double.IsNaN(_last[i]))
                    {
                        _total += now >= _last[i] ? now - _last[i] : now + zones[i].RangeJoules - _last[i];
                    }

                    _last[i] = now;
                }

                return _total;
            }
        }
    }
}
