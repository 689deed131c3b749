namespace GreenGateway.Inference.Cuda.Energy;

/// <summary>A monotonic energy counter, in joules (NVML's total-energy counter; a fake in tests).</summary>
public interface IEnergyCounter
{
    double ReadJoules();
}

/// <summary>What <see cref="FairShareEnergyMeter.Begin"/> hands out; give it back to <see cref="FairShareEnergyMeter.End"/>.</summary>
public readonly record struct EnergyShare(double StartPerRequest);

/// <summary>
/// Splits one device's energy fairly among the requests that overlap in time: the energy of every interval between
/// two events (a request beginning or ending) is divided equally among the requests active during it, and a
/// request is charged the sum of its parts. Energy spent while no request is active is charged to none. Each
/// event reads the counter once, so the cost is independent of how many requests overlap.
/// </summary>
public sealed class FairShareEnergyMeter(IEnergyCounter counter)
{
    private readonly Lock _gate = new();
    private double _last = double.NaN;
    private double _perRequest;
    private int _active;

    /// <summary>Requests between <see cref="Begin"/> and <see cref="End"/> now.</summary>
    public int Active
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>Marks a request's GPU work as started.</summary>
    public EnergyShare Begin()
    {
        lock (_gate)
        {
            Advance();
            _active++;
            return new EnergyShare(_perRequest);
        }
    }

    /// <summary>Marks it finished and returns its joules.</summary>
    public double End(EnergyShare share)
    {
        lock (_gate)
        {
            Advance();
            _active = Math.Max(0, _active - 1);
            return Math.Max(0, _perRequest - share.StartPerRequest);
        }
    }

    private void Advance()
    {
        var now = counter.ReadJoules();
        if (!double.IsNaN(_last) && _active > 0)
        {
            _perRequest += Math.Max(0, now - _last) / _active;
        }

        _last = now;
    }
}
