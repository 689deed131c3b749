using System.Globalization;
using GreenGateway.ModelHost.Configuration;
using GreenGateway.ModelHost.Energy;

namespace GreenGateway.ModelHost.Tests.Energy;

/// <summary>The model host's meter on a powercap tree written by the test: overlapping requests split it, a counter's wrap is carried.</summary>
public sealed class EnergyMeterTests : IDisposable
{
    private readonly string _powercap = Directory.CreateTempSubdirectory("gg-powercap-").FullName;

    public void Dispose() => Directory.Delete(_powercap, recursive: true);

    private void Zone(int index, double microjoules, double range = 1e9)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_powercap, $"intel-rapl:{index}")).FullName;
        File.WriteAllText(Path.Combine(dir, "energy_uj"), microjoules.ToString(CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(dir, "max_energy_range_uj"), range.ToString(CultureInfo.InvariantCulture));
    }

    private EnergyMeter Meter() => new(new ModelHostOptions { Model = "unused", PowercapPath = _powercap });

    [Fact]
    public void OverlappingRequests_SplitTheEnergy_InsteadOfEachBeingChargedTheWhole()
    {
        Zone(0, 0);
        var meter = Meter();
        Assert.Equal(EnergyMeter.RaplMethod, meter.Method);

        var a = meter.Start();
        Zone(0, 10e6); // 10 J with a alone
        var b = meter.Start();
        Zone(0, 30e6); // 20 J with both
        var first = a.Stop();
        Zone(0, 36e6); // 6 J with b alone

        Assert.Equal(20, first.Joules, 9);
        Assert.Equal(16, b.Stop().Joules, 9);
        Assert.Equal(first, a.Stop()); // once
    }

    [Fact]
    public void AWrappedCounter_AddsItsRange()
    {
        Zone(0, 900e6, range: 1000e6);
        var meter = Meter();
        var mark = meter.Start();
        Zone(0, 50e6, range: 1000e6); // 100 J to the wrap, then 50

        Assert.Equal(150, mark.Stop().Joules, 9);
    }

    [Fact]
    public void ARequestThatFails_LeavesTheShare_SoLaterOnesGetTheWhole()
    {
        Zone(0, 0);
        var meter = Meter();
        using (meter.Start())
        {
            // Generation threw: the mark is disposed without being read.
        }

        var mark = meter.Start();
        Zone(0, 8e6);

        Assert.Equal(8, mark.Stop().Joules, 9);
    }
}
