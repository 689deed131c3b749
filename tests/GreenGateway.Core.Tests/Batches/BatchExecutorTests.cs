using System.Collections.Concurrent;
using System.Text;
using GreenGateway.Core.Batches;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Tests.Support;

namespace GreenGateway.Core.Batches.Tests;

/// <summary>
/// A batch run on a fake clock, a disk store in a temporary folder, synthetic forecasts and a sender that answers in
/// process (the functional tests in GreenGateway.Tests run the real pipeline).
/// </summary>
public sealed class BatchExecutorTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(Start);
    private readonly DiskBatchStore _store;
    private readonly CountingSender _sender = new();

    public BatchExecutorTests()
    {
        _store = new DiskBatchStore(_folder.Path, _time);
    }

    public void Dispose() => _folder.Dispose();

    private BatchExecutor Executor(ICarbonIntensitySource intensity, IBudgetLedger? ledger = null) => new(_store, new BatchPlanner(new BatchPlannerOptions { RateUtilization = 1 }), intensity,
        new OneRegion(), _sender, _time, new BatchExecutorOptions { PollInterval = TimeSpan.FromMilliseconds(20), RetryDelay = TimeSpan.FromMilliseconds(20) }, ledger: ledger);

    private static BatchPolicy Fast(string _) => new() { Concurrency = 1, RequestsPerSecond = 1000 };

    private async Task<string> SubmitAsync(int lines, TimeSpan window, double submissionIntensity = 400, Func<string, Task<BatchHold>>? hold = null)
    {
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            text.Append("{\"custom_id\":\"r").Append(i).Append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        await _store.SaveFileAsync(new StoredFile { Id = "file-in", TenantId = "t", Filename = "in.jsonl", Purpose = "batch", Bytes = bytes.Length, CreatedAt = 0 }, bytes, CancellationToken.None);
        var batch = new BatchRecord
        {
            Id = "batch_" + Guid.NewGuid().ToString("N"), TenantId = "t", Endpoint = "/v1/chat/completions", InputFileId = "file-in", CompletionWindow = "24h",
            Status = "validating", CreatedAt = _time.GetUtcNow().ToUnixTimeSeconds(), ExpiresAt = (_time.GetUtcNow() + window).ToUnixTimeSeconds(), Total = lines,
            SubmissionIntensity = new() { ["home"] = submissionIntensity },
        };
        if (hold is not null)
        {
            batch = batch with { Hold = await hold(batch.Id) };
        }

        await _store.SaveBatchAsync(batch, active: true, CancellationToken.None);
        return batch.Id;
    }

    private async Task<List<string>> OutputIdsAsync(string batchId)
    {
        var batch = (await _store.GetBatchAsync(batchId, CancellationToken.None))!;
        var content = await _store.GetFileContentAsync("t", batch.OutputFileId!, CancellationToken.None);
        return [.. Encoding.UTF8.GetString(content!).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["custom_id"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Run_FlatGrid_AnswersEveryLineOnce_WithItsCarbonAndCounterfactual()
    {
        var id = await SubmitAsync(5, TimeSpan.FromHours(24));

        await Executor(new StaticCarbonIntensitySource(400)).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal("completed", batch.Status);
        Assert.Equal(5, batch.Completed);
        Assert.Equal(["r0", "r1", "r2", "r3", "r4"], (await OutputIdsAsync(id)).Order());
        Assert.Equal(5 * CountingSender.Grams, batch.CarbonGrams, 12);
        Assert.Equal(batch.CarbonGrams, batch.CounterfactualGrams, 12);
    }

    [Fact]
    public async Task Run_WaitsForTheCleanHour_ThenRunsThere_AndCountsTheSaving()
    {
        // Synthetic: 400 g/kWh now and for two hours, then 100 g/kWh.
        var grid = TimeSeriesCarbonIntensitySource.FromPoints([("home", Start, 400.0), ("home", Start.AddHours(2), 100.0), ("home", Start.AddHours(4), 400.0)],
            new StaticCarbonIntensitySource(473), "synthetic");
        var id = await SubmitAsync(3, TimeSpan.FromHours(12));
        _sender.Grid = grid;
        _sender.Time = _time;
        var run = Executor(grid).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.Equal(0, _sender.Calls);
        Assert.Contains("100 g/kWh", (await _store.GetBatchAsync(id, CancellationToken.None))!.Plan, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromHours(2));
        await run.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal("completed", batch.Status);
        Assert.Equal(3, _sender.Calls);
        // The sender charges its figures at 100 g/kWh; run at submission the same energy would have cost 400 g/kWh.
        var kwh = 3 * CountingSender.Joules / 3_600_000.0;
        Assert.Equal(batch.CarbonGrams + (kwh * (400 - 100)), batch.CounterfactualGrams, 12);
    }

    [Fact]
    public async Task Cancel_StopsWorkWithinOneRequest()
    {
        var id = await SubmitAsync(10, TimeSpan.FromHours(24));
        _sender.OnCall = call => call == 3 ? _store.RequestCancelAsync(id, CancellationToken.None).AsTask() : Task.CompletedTask;

        await Executor(new StaticCarbonIntensitySource(400)).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal("cancelled", batch.Status);
        Assert.Equal(3, _sender.Calls);
        Assert.Equal(3, batch.Completed);
        Assert.Equal(3, (await OutputIdsAsync(id)).Count);
    }

    [Fact]
    public async Task Run_StoppedMidway_AndRunAgain_AnswersEachLineExactlyOnce()
    {
        var id = await SubmitAsync(8, TimeSpan.FromHours(24));
        using var kill = new CancellationTokenSource();
        _sender.OnCall = call =>
        {
            if (call == 4)
            {
                // The gateway dies while its fourth request is in flight: that request is never recorded.
                kill.Cancel();
                kill.Token.ThrowIfCancellationRequested();
            }

            return Task.CompletedTask;
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Executor(new StaticCarbonIntensitySource(400)).RunAsync(id, Fast, kill.Token));
        Assert.Equal(3, (await _store.GetResultsAsync(id, CancellationToken.None)).Count);

        _sender.OnCall = null;
        await Executor(new StaticCarbonIntensitySource(400)).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        var ids = await OutputIdsAsync(id);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"r{i}").Order(), ids.Order());
        Assert.Equal(8, (await _store.GetBatchAsync(id, CancellationToken.None))!.Completed);
    }

    [Fact]
    public async Task Run_PastTheDeadline_Expires_WithTheLinesLeftInTheErrorFile()
    {
        var id = await SubmitAsync(4, TimeSpan.FromHours(1));
        _sender.OnCall = call =>
        {
            if (call == 2)
            {
                _time.Advance(TimeSpan.FromHours(2));
            }

            return Task.CompletedTask;
        };

        await Executor(new StaticCarbonIntensitySource(400)).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal("expired", batch.Status);
        Assert.Equal(2, batch.Completed);
        Assert.Equal(2, batch.Failed);
        var errors = Encoding.UTF8.GetString((await _store.GetFileContentAsync("t", batch.ErrorFileId!, CancellationToken.None))!);
        Assert.Equal(2, errors.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("batch_expired", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Run_CutShortWhileExpiring_EndsExpiredWhenTakenUpAgain_NotCompleted()
    {
        // A run killed after it wrote the batch_expired lines, before the batch ended: every line has a result.
        var id = await SubmitAsync(3, TimeSpan.FromHours(1));
        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        await _store.SaveBatchAsync(batch with { Status = "in_progress", ExpiredAt = batch.ExpiresAt }, active: true, CancellationToken.None);
        await _store.TryAddResultAsync(id, new BatchLineResult(0, "r0", true, "{\"custom_id\":\"r0\"}", 36, 0.004, 0.004), CancellationToken.None);
        for (var i = 1; i < 3; i++)
        {
            await _store.TryAddResultAsync(id, new BatchLineResult(i, $"r{i}", false, BatchExecutor.ErrorLine($"r{i}", "batch_expired", "expired"), 0, 0, 0), CancellationToken.None);
        }

        _time.Advance(TimeSpan.FromHours(2));
        await Executor(new StaticCarbonIntensitySource(400)).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal("expired", batch.Status);
        Assert.Equal(1, batch.Completed);
        Assert.Equal(2, batch.Failed);
        Assert.Equal(0, _sender.Calls);
        Assert.Equal(["r0"], await OutputIdsAsync(id));
    }

    [Fact]
    public async Task Throttled_Line_Waits_AndIsAnsweredOnceTheBudgetAllows()
    {
        var id = await SubmitAsync(3, TimeSpan.FromHours(24));
        _sender.RefuseFirst = 2;

        await Executor(new StaticCarbonIntensitySource(400)).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal("completed", batch.Status);
        Assert.Equal(3, batch.Completed);
        Assert.Equal(0, batch.Failed);
        Assert.Equal(5, _sender.Calls);
    }

    /// <summary>Reserves a hold of <paramref name="lines"/> requests' worth (36 J each) in the ledger at the start, as creation does.</summary>
    private static Func<string, Task<BatchHold>> HoldOf(InMemoryBudgetLedger ledger, int lines) => async id =>
    {
        var amount = new EnergyCarbon(lines * CountingSender.Joules, lines * CountingSender.Grams);
        var granted = await ledger.ReserveAsync(new ReserveRequest("t", "batch-hold-" + id, amount, [new BudgetLimit(BudgetWindow.Day, 1000, null)], Start), CancellationToken.None);
        return new BatchHold("batch-hold-" + id, amount.Joules, amount.GramsCo2e, granted.Reservation!.ReservedAt);
    };

    private static async Task<WindowUsage> DayAtStartAsync(InMemoryBudgetLedger ledger) =>
        (await ledger.GetUsageAsync("t", Start, CancellationToken.None)).Single(w => w.Span.Window == BudgetWindow.Day);

    [Fact]
    public async Task Hold_RequestsRunOnIt_UntilUsedUp_AndItSettlesAtWhatTheyCost()
    {
        var ledger = new InMemoryBudgetLedger();
        var id = await SubmitAsync(4, TimeSpan.FromHours(24), hold: HoldOf(ledger, 2));
        Assert.Equal(2 * CountingSender.Joules, (await DayAtStartAsync(ledger)).Reserved.Joules, 9);

        await Executor(new StaticCarbonIntensitySource(400), ledger).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        // Concurrency 1: the first two ran on the hold and used it up; the other two were admitted on their own (which
        // the pipeline charges itself, not this ledger here).
        Assert.Equal([true, true, false, false], _sender.Held);
        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal(2 * CountingSender.Joules, batch.HeldJoules, 9);
        var day = await DayAtStartAsync(ledger);
        Assert.Equal(0, day.Reserved.Joules, 9);
        Assert.Equal(2 * CountingSender.Joules, day.Consumed.Joules, 9);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("expired")]
    [InlineData("cancelled")]
    [InlineData("failed")]
    public async Task Hold_LeavesNothingReserved_HoweverTheBatchEnds(string ending)
    {
        var ledger = new InMemoryBudgetLedger();
        var id = await SubmitAsync(4, TimeSpan.FromHours(1), hold: HoldOf(ledger, 4));
        _sender.OnCall = async call =>
        {
            if (call == 2 && ending == "expired")
            {
                _time.Advance(TimeSpan.FromHours(2));
            }
            else if (call == 2 && ending == "cancelled")
            {
                await _store.RequestCancelAsync(id, CancellationToken.None);
            }
        };
        if (ending == "failed")
        {
            Assert.True(await _store.DeleteFileAsync("t", "file-in", CancellationToken.None));
        }

        await Executor(new StaticCarbonIntensitySource(400), ledger).RunAsync(id, Fast, TestContext.Current.CancellationToken);

        var batch = (await _store.GetBatchAsync(id, CancellationToken.None))!;
        Assert.Equal(ending, batch.Status);
        var day = await DayAtStartAsync(ledger);
        Assert.Equal(0, day.Reserved.Joules, 9);
        Assert.Equal(0, day.Reserved.GramsCo2e, 12);
        Assert.Equal(_sender.Sent.Count * CountingSender.Joules, day.Consumed.Joules, 9);
        Assert.Equal(batch.HeldJoules, day.Consumed.Joules, 9);
    }

    [Fact]
    public async Task Store_KeepsTheFirstResultOfALine()
    {
        Assert.True(await _store.TryAddResultAsync("batch_x", new BatchLineResult(0, "a", true, "first", 1, 1, 1), CancellationToken.None));
        Assert.False(await _store.TryAddResultAsync("batch_x", new BatchLineResult(0, "a", true, "second", 1, 1, 1), CancellationToken.None));
        Assert.Equal("first", Assert.Single(await _store.GetResultsAsync("batch_x", CancellationToken.None)).Line);
    }

    [Fact]
    public async Task DiskLease_IsHeldByOneOwner_UntilItExpires()
    {
        Assert.True(await _store.TryLeaseAsync("batch_x", "a", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.False(await _store.TryLeaseAsync("batch_x", "b", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.True(await _store.TryLeaseAsync("batch_x", "a", TimeSpan.FromSeconds(30), CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.True(await _store.TryLeaseAsync("batch_x", "b", TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    private sealed class OneRegion : IBatchRegions
    {
        public string HomeRegion(string model) => "home";

        public IReadOnlyList<string> Regions(string model) => ["home"];
    }

    /// <summary>Answers every line in process: 36 J each, charged at the grid's intensity at the fake clock's time (400 g/kWh without a grid).</summary>
    private sealed class CountingSender : IBatchLineSender
    {
        public const double Joules = 36;
        public const double Grams = Joules / 3_600_000.0 * 400;
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int RefuseFirst { get; set; }

        public Func<int, Task>? OnCall { get; set; }

        /// <summary>The grid the pipeline would charge at (400 g/kWh when unset).</summary>
        public ICarbonIntensitySource? Grid { get; set; }

        public TimeProvider? Time { get; set; }

        public ConcurrentQueue<string> Sent { get; } = new();

        /// <summary>Whether each answered line ran on its batch's hold, in the order sent.</summary>
        public List<bool> Held { get; } = [];

        public async ValueTask<LineOutcome> SendAsync(BatchRecord batch, BatchLine line, string? region, bool held, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            if (OnCall is { } hook)
            {
                await hook(call);
            }

            if (call <= RefuseFirst)
            {
                return new LineOutcome(429, """{"error":{"message":"held","type":"insufficient_quota","param":null,"code":"budget_reserved"}}""", "", 0, 0, TimeSpan.FromMilliseconds(30));
            }

            Sent.Enqueue(line.CustomId);
            lock (Held)
            {
                Held.Add(held);
            }

            var grams = Joules / 3_600_000.0 * (Grid is { } grid ? (await grid.GetAsync("home", Time!.GetUtcNow(), cancellationToken)).GramsPerKwh : 400);
            return new LineOutcome(200, "{\"id\":\"x\",\"choices\":[]}", "req", Joules, grams);
        }
    }
}
