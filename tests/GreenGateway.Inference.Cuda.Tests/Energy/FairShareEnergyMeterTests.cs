using GreenGateway.Inference.Cuda.Energy;

namespace GreenGateway.Inference.Cuda.Tests.Energy;

public sealed class FairShareEnergyMeterTests
{
    private sealed class FakeCounter : IEnergyCounter
    {
        public double Joules { get; set; } = 1000;

        public double ReadJoules() => Joules;
    }

    [Fact]
    public void OneRequest_IsChargedEverythingBetweenItsBeginAndEnd()
    {
        var counter = new FakeCounter();
        var meter = new FairShareEnergyMeter(counter);
        var share = meter.Begin();
        counter.Joules += 12.5;
        Assert.Equal(12.5, meter.End(share), 9);
    }

    [Fact]
    public void OverlappingRequests_SplitEachIntervalEqually()
    {
        var counter = new FakeCounter();
        var meter = new FairShareEnergyMeter(counter);
        var a = meter.Begin();
        counter.Joules += 10; // a alone: 10 to a
        var b = meter.Begin();
        counter.Joules += 20; // a and b: 10 each
        var ea = meter.End(a);
        counter.Joules += 6; // b alone: 6 to b
        var eb = meter.End(b);
        Assert.Equal(20, ea, 9);
        Assert.Equal(16, eb, 9);
    }

    [Fact]
    public void EnergyWhileIdle_IsChargedToNoOne_AndTheSharesAddUpToTheBusyEnergy()
    {
        var counter = new FakeCounter();
        var meter = new FairShareEnergyMeter(counter);
        meter.End(meter.Begin());
        counter.Joules += 100; // idle
        var shares = new List<EnergyShare>();
        for (var i = 0; i < 3; i++)
        {
            shares.Add(meter.Begin());
            counter.Joules += 3 * (i + 1);
        }

        var total = shares.Sum(meter.End);
        Assert.Equal(3 + 6 + 9, total, 9);
        Assert.Equal(0, meter.Active);
    }
}

public sealed class SampledEnergyCounterTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(double seconds) => Ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }

    private sealed class SteppedCounter : IEnergyCounter
    {
        public double Joules { get; set; } = 500;

        public int Reads { get; private set; }

        public double ReadJoules()
        {
            Reads++;
            return Joules;
        }
    }

    [Fact]
    public void BetweenUpdates_ExtrapolatesAtTheLastPower_WithoutReadingTheSource()
    {
        var clock = new ManualClock();
        var source = new SteppedCounter();
        using var counter = new SampledEnergyCounter(source, Timeout.InfiniteTimeSpan, clock);
        clock.Advance(0.1);
        source.Joules += 10; // 100 W
        counter.Sample();
        var reads = source.Reads;
        clock.Advance(0.05);
        Assert.Equal(515, counter.ReadJoules(), 6);
        Assert.Equal(reads, source.Reads);
    }

    [Fact]
    public void NeverGoesBackwards_WhenAnUpdateComesInBelowTheEstimate()
    {
        var clock = new ManualClock();
        var source = new SteppedCounter();
        using var counter = new SampledEnergyCounter(source, Timeout.InfiniteTimeSpan, clock);
        clock.Advance(0.1);
        source.Joules += 10;
        counter.Sample();
        clock.Advance(0.1);
        var estimate = counter.ReadJoules(); // 520
        source.Joules += 2; // the power fell
        counter.Sample();
        Assert.Equal(estimate, counter.ReadJoules(), 6);
        clock.Advance(1);
        source.Joules += 30;
        counter.Sample();
        Assert.True(counter.ReadJoules() >= 542);
    }

    [Fact]
    public void Extrapolation_IsCappedAtOneSecond()
    {
        var clock = new ManualClock();
        var source = new SteppedCounter();
        using var counter = new SampledEnergyCounter(source, Timeout.InfiniteTimeSpan, clock);
        clock.Advance(1);
        source.Joules += 100; // 100 W
        counter.Sample();
        clock.Advance(60); // the counter stopped updating
        Assert.Equal(700, counter.ReadJoules(), 6);
    }
}
