using GreenGateway.Core.Tests.Support;

namespace GreenGateway.Core.Activity.Tests;

/// <summary>The in-process activity series and feedback store: buckets per resolution, windows, retention, verdicts per tenant.</summary>
public sealed class ActivityStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 10, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task Counts_AreSummedPerBucket_AndAWindowReadsItsBucketsOnly()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryActivityStore(clock);
        var ct = TestContext.Current.CancellationToken;
        await store.AddAsync(Start, [new("a", "m", "upstream", ActivityMetrics.Joules, 1.5), new("a", "m", "upstream", ActivityMetrics.Requests, 1)], ct);
        await store.AddAsync(Start.AddSeconds(20), [new("a", "m", "upstream", ActivityMetrics.Joules, 2.5)], ct);
        await store.AddAsync(Start.AddMinutes(-90), [new("a", "m", "cache", ActivityMetrics.Joules, 7)], ct);

        var (from, to) = ActivityBuckets.Range(ActivityWindow.Hour, Start.AddSeconds(20));
        var hour = await store.ReadAsync(ActivityResolution.Minute, from, to, ct);
        var bucket = Assert.Single(hour);
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero), bucket.Start);
        Assert.Equal(4.0, bucket.Counts.Single(c => c.Metric == ActivityMetrics.Joules).Value, 12);

        var (dayFrom, dayTo) = ActivityBuckets.Range(ActivityWindow.Day, Start);
        var day = await store.ReadAsync(ActivityResolution.Hour, dayFrom, dayTo, ct);
        Assert.Equal(11.0, day.SelectMany(b => b.Counts).Where(c => c.Metric == ActivityMetrics.Joules).Sum(c => c.Value), 12);
        Assert.Equal(2, day.Count);
    }

    [Fact]
    public async Task MinuteBuckets_AreDroppedPastTheirRetention()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryActivityStore(clock);
        var ct = TestContext.Current.CancellationToken;
        await store.AddAsync(Start, [new("a", "m", "rules", ActivityMetrics.Requests, 1)], ct);
        clock.Advance(TimeSpan.FromHours(3));
        await store.AddAsync(clock.GetUtcNow(), [new("a", "m", "rules", ActivityMetrics.Requests, 1)], ct);

        Assert.Empty(await store.ReadAsync(ActivityResolution.Minute, Start.AddMinutes(-1), Start.AddMinutes(1), ct));
        Assert.Single(await store.ReadAsync(ActivityResolution.Hour, Start.AddHours(-1), Start, ct));
    }

    [Fact]
    public async Task Feedback_IsPerTenant_ExpiresWithItsTtl_AndReturnsTheVerdictItReplaces()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryFeedbackStore(clock);
        var ct = TestContext.Current.CancellationToken;
        var answer = new AnsweredRequest("r1", "a", "m", "upstream", Start, 3, 0.001, 5, "modelled", "modelled", 10, 4);
        await store.RememberAsync(answer, TimeSpan.FromHours(1), ct);

        Assert.Null(await store.FindAsync("b", "r1", ct));
        Assert.Null(await store.JudgeAsync("b", "r1", new Verdict(false, null, Start), TimeSpan.FromHours(1), ct));
        Assert.Null(await store.JudgeAsync("a", "r1", new Verdict(false, 0.2, Start), TimeSpan.FromHours(1), ct));
        var replaced = await store.JudgeAsync("a", "r1", new Verdict(true, null, Start), TimeSpan.FromHours(1), ct);
        Assert.False(replaced!.Useful);
        Assert.True((await store.FindAsync("a", "r1", ct))!.Verdict!.Useful);
        Assert.Single(await store.RecentAsync("a", 10, ct));

        clock.Advance(TimeSpan.FromHours(2));
        Assert.Null(await store.FindAsync("a", "r1", ct));
        Assert.Empty(await store.RecentAsync("a", 10, ct));
    }
}

/// <summary>The buffer in front of a shared store: counts summed in process, sent once per flush, one call per minute.</summary>
public sealed class BufferedActivityStoreTests
{
    [Fact]
    public async Task Counts_AreSummedUntilTheFlush_ThenSentOncePerMinute()
    {
        var start = new DateTimeOffset(2026, 12, 3, 10, 0, 30, TimeSpan.Zero);
        var inner = new CountingStore(new InMemoryActivityStore(TimeProvider.System));
        await using var buffered = new BufferedActivityStore(inner, TimeSpan.FromHours(1), TimeProvider.System, e => throw e);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 100; i++)
        {
            await buffered.AddAsync(start, [new("a", "m", "upstream", ActivityMetrics.Joules, 0.5), new("a", "m", "upstream", ActivityMetrics.Requests, 1)], ct);
        }

        await buffered.AddAsync(start.AddMinutes(1), [new("a", "m", "cache", ActivityMetrics.Requests, 1)], ct);
        Assert.Empty(await buffered.ReadAsync(ActivityResolution.Hour, start, start, ct));

        await buffered.FlushAsync();
        Assert.Equal(2, inner.Calls);
        var counts = (await buffered.ReadAsync(ActivityResolution.Hour, start, start, ct)).Single().Counts;
        Assert.Equal(50, counts.Single(c => c.Metric == ActivityMetrics.Joules).Value, 9);
        Assert.Equal(100, counts.Single(c => c.Metric == ActivityMetrics.Requests && c.Tier == "upstream").Value);
        Assert.Equal(1, counts.Single(c => c.Tier == "cache").Value);

        await buffered.FlushAsync();
        Assert.Equal(2, inner.Calls);
    }

    private sealed class CountingStore(IActivityStore inner) : IActivityStore
    {
        public int Calls { get; private set; }

        public ValueTask AddAsync(DateTimeOffset at, IReadOnlyList<ActivityCount> counts, CancellationToken cancellationToken)
        {
            Calls++;
            return inner.AddAsync(at, counts, cancellationToken);
        }

        public ValueTask<IReadOnlyList<ActivityBucket>> ReadAsync(ActivityResolution resolution, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
            inner.ReadAsync(resolution, from, to, cancellationToken);
    }
}
