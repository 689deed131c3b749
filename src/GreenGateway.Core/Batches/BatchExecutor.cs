using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Carbon;

namespace GreenGateway.Core.Batches;

/// <summary>Timing of batch runs (the <c>Batches</c> section).</summary>
public sealed record BatchExecutorOptions
{
    /// <summary>How often a waiting run looks for a cancellation, the deadline and its next slot. Default 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a run plans again with fresh forecasts and the requests left. Default 15 minutes.</summary>
    public TimeSpan ReplanInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The wait after a refusal that named no Retry-After, or a failure to reach the pipeline. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Runs one batch to its end, on the replica that holds its lease (docs/batches.md):
/// <list type="number">
/// <item>reads the input file again (the same lines under the same indices) and the results already stored, so that a
/// restart or a takeover runs only the lines without one;</item>
/// <item>plans the lines left into the cleanest slots before the deadline (<see cref="BatchPlanner"/>), again every
/// <see cref="BatchExecutorOptions.ReplanInterval"/>, and waits while no slot is in force;</item>
/// <item>in a slot, starts lines at the tenant's batch rate and at most its batch concurrency at once, each through the
/// gateway's own pipeline (<see cref="IBatchLineSender"/>), looking for a cancellation before each one;</item>
/// <item>stores each line's result once (the store refuses a second), then the batch's counts and figures;</item>
/// <item>at the end (all answered, cancelled, or past the deadline) writes the output and error files under ids derived
/// from the batch's, so that a finalization that is cut short and done again writes the same files;</item>
/// <item>settles the batch's whole-batch hold, if it has one, at what the requests that ran on it cost, however the batch
/// ends (completed, failed, expired, cancelled): the ledger's settle is idempotent by the hold's id, so a finalization
/// done again settles nothing twice.</item>
/// </list>
/// </summary>
public sealed class BatchExecutor(IBatchStore store, BatchPlanner planner, ICarbonIntensitySource intensity, IBatchRegions regions,
    IBatchLineSender sender, TimeProvider time, BatchExecutorOptions options, IBatchObserver? observer = null, IBudgetLedger? ledger = null)
{
    private readonly IBatchStore _store = store;
    private readonly BatchPlanner _planner = planner;
    private readonly ICarbonIntensitySource _intensity = intensity;
    private readonly IBatchRegions _regions = regions;
    private readonly IBatchLineSender _sender = sender;
    private readonly TimeProvider _time = time;
    private readonly BatchExecutorOptions _options = options;
    private readonly IBatchObserver? _observer = observer;
    private readonly IBudgetLedger? _ledger = ledger;

    public const string OutputFilePrefix = "file-out-";
    public const string ErrorFilePrefix = "file-err-";

    /// <summary>Runs the batch until it ends or <paramref name="cancellationToken"/> fires (the gateway stops, the lease is lost).</summary>
    public async Task RunAsync(string batchId, Func<string, BatchPolicy> policyOf, CancellationToken cancellationToken)
    {
        if (await _store.GetBatchAsync(batchId, cancellationToken).ConfigureAwait(false) is not { IsTerminal: false } batch)
        {
            return;
        }

        var content = await _store.GetFileContentAsync(batch.TenantId, batch.InputFileId, cancellationToken).ConfigureAwait(false);
        var run = new Run(this, batch);
        await run.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (content is null)
        {
            await run.FailAsync(new BatchError("input_file_missing", $"The input file {batch.InputFileId} was deleted (or expired) before the batch ran."), cancellationToken)
                .ConfigureAwait(false);
            return;
        }

        var (lines, _) = BatchLines.Parse(content, batch.EndpointOrDefault());
        var pending = new Queue<BatchLine>();
        foreach (var line in lines)
        {
            if (!run.Done(line.Index))
            {
                pending.Enqueue(line);
            }
        }

        await run.ExecuteAsync(pending, policyOf(batch.TenantId), cancellationToken).ConfigureAwait(false);
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Settles the batch's hold, if any, at what its held requests cost: the rest of it goes back to the budget.</summary>
    private async Task SettleHoldAsync(BatchRecord batch)
    {
        if (batch.Hold is { } hold && _ledger is not null)
        {
            // Never cancelled: a hold must not outlive its batch.
            await _ledger.SettleAsync(hold.AsReservation(batch.TenantId), new EnergyCarbon(batch.HeldJoules, batch.HeldGrams), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private ValueTask SaveAsync(BatchRecord batch, CancellationToken cancellationToken) =>
        _store.SaveBatchAsync(batch, active: !batch.IsTerminal, cancellationToken);

    /// <summary>The output line of an answered request, or the error line of a refused one, in OpenAI's batch output format.</summary>
    public static string OutputLine(BatchLine line, LineOutcome outcome)
    {
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(outcome.Body);
        }
        catch (JsonException)
        {
            body = JsonValue.Create(outcome.Body);
        }

        var entry = new JsonObject
        {
            ["id"] = "batch_req_" + Guid.NewGuid().ToString("N"),
            ["custom_id"] = line.CustomId,
            ["response"] = new JsonObject { ["status_code"] = outcome.Status, ["request_id"] = outcome.RequestId, ["body"] = body },
            ["error"] = null,
        };
        return entry.ToJsonString();
    }

    /// <summary>The error line of a request that never ran (invalid, expired, cancelled): <c>response</c> null, <c>error</c> its code and message.</summary>
    public static string ErrorLine(string? customId, string code, string message) =>
        new JsonObject
        {
            ["id"] = "batch_req_" + Guid.NewGuid().ToString("N"),
            ["custom_id"] = customId,
            ["response"] = null,
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        }.ToJsonString();

    /// <summary>One run of one batch: its record as it changes, its pending lines and its figures.</summary>
    private sealed class Run(BatchExecutor owner, BatchRecord batch)
    {
        private readonly SemaphoreSlim _write = new(1, 1);
        private readonly HashSet<int> _done = [];
        private readonly object _gate = new();
        private BatchRecord _batch = batch;
        private Task _paused = Task.CompletedTask;

        public bool Done(int index) => _done.Contains(index);

        /// <summary>The results already stored (before a restart or a takeover) count as they were.</summary>
        public async Task LoadAsync(CancellationToken cancellationToken)
        {
            var results = await owner._store.GetResultsAsync(_batch.Id, cancellationToken).ConfigureAwait(false);
            int completed = 0, failed = 0;
            double joules = 0, grams = 0, counterfactual = 0, heldJoules = 0, heldGrams = 0;
            foreach (var result in results)
            {
                _done.Add(result.Index);
                _ = result.Ok ? completed++ : failed++;
                joules += result.EnergyJoules;
                grams += result.CarbonGrams;
                counterfactual += result.CounterfactualGrams;
                if (result.Held)
                {
                    heldJoules += result.EnergyJoules;
                    heldGrams += result.CarbonGrams;
                }
            }

            _batch = _batch with
            {
                Completed = completed, Failed = failed, EnergyJoules = joules, CarbonGrams = grams, CounterfactualGrams = counterfactual,
                HeldJoules = heldJoules, HeldGrams = heldGrams,
            };
        }

        /// <summary>The batch fails as a whole (its input is gone): its hold is settled first, then it ends.</summary>
        public async Task FailAsync(BatchError error, CancellationToken cancellationToken)
        {
            await owner.SettleHoldAsync(_batch).ConfigureAwait(false);
            var failed = _batch with { Status = "failed", FailedAt = owner.Now(), Errors = [error] };
            await SaveAsync(failed, cancellationToken).ConfigureAwait(false);
            owner._observer?.BatchEnded(failed);
        }

        public async Task ExecuteAsync(Queue<BatchLine> pending, BatchPolicy policy, CancellationToken cancellationToken)
        {
            var time = owner._time;
            using var slots = new SemaphoreSlim(policy.Concurrency, policy.Concurrency);
            var inFlight = new List<Task>();
            var interval = TimeSpan.FromSeconds(1 / policy.RequestsPerSecond);
            long? lastStart = null;
            BatchPlan? plan = null;
            var planned = DateTimeOffset.MinValue;
            if (_batch.Status != "in_progress")
            {
                await SaveAsync(_batch with { Status = "in_progress", InProgressAt = _batch.InProgressAt ?? owner.Now() }, cancellationToken).ConfigureAwait(false);
            }

            string ending = "completed";
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                inFlight.RemoveAll(t => t.IsCompleted);
                int left;
                lock (_gate)
                {
                    left = pending.Count;
                }

                if (_batch.ExpiredAt is not null)
                {
                    // A run that began to expire the batch and was cut short (a kill, a lost lease): it expired, whatever
                    // is left now.
                    ending = "expired";
                    break;
                }

                if (left == 0 && inFlight.Count == 0)
                {
                    break;
                }

                if (await owner._store.IsCancelRequestedAsync(_batch.Id, cancellationToken).ConfigureAwait(false))
                {
                    ending = "cancelled";
                    break;
                }

                var now = time.GetUtcNow();
                if (now >= DateTimeOffset.FromUnixTimeSeconds(_batch.ExpiresAt))
                {
                    ending = "expired";
                    break;
                }

                if (left == 0 || !_paused.IsCompleted)
                {
                    // Lines in flight may come back (refused for now); the next look is soon.
                    await WaitAsync(inFlight, owner._options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (plan is null || now - planned >= owner._options.ReplanInterval || plan.SlotAt(now) is null)
                {
                    plan = await PlanAsync(pending, policy, now, cancellationToken).ConfigureAwait(false);
                    planned = now;
                }

                if (plan.SlotAt(now) is not { } slot)
                {
                    var wake = plan.NextStart(now) ?? now + owner._options.PollInterval;
                    var wait = wake - now;
                    await WaitAsync(inFlight, wait < owner._options.PollInterval ? wait : owner._options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // In a slot: the rate (measured on the provider's timestamps), then the concurrency, then one last look for a
                // cancellation before the line starts.
                if (lastStart is { } last && time.GetElapsedTime(last) is var since && since < interval)
                {
                    await Task.Delay(interval - since, time, cancellationToken).ConfigureAwait(false);
                }

                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (await owner._store.IsCancelRequestedAsync(_batch.Id, cancellationToken).ConfigureAwait(false))
                {
                    slots.Release();
                    ending = "cancelled";
                    break;
                }

                BatchLine line;
                lock (_gate)
                {
                    if (pending.Count == 0)
                    {
                        slots.Release();
                        continue;
                    }

                    line = pending.Dequeue();
                }

                lastStart = time.GetTimestamp();
                var region = slot.Region == owner._regions.HomeRegion(line.Model) ? null : slot.Region;
                inFlight.Add(RunLineAsync(line, region, pending, slots, cancellationToken));
            }

            // Lines already started finish and are recorded; nothing new starts.
            await Task.WhenAll(inFlight).ConfigureAwait(false);
            await FinishAsync(ending, pending, cancellationToken).ConfigureAwait(false);
        }

        private async Task RunLineAsync(BatchLine line, string? region, Queue<BatchLine> pending, SemaphoreSlim slots, CancellationToken cancellationToken)
        {
            try
            {
                // On the hold while what ran on it has not used it up (requests in flight may pass it by at most the batch's
                // concurrency); after that, on a reservation of its own, throttled like any other.
                var batch = _batch;
                var held = batch.Hold is { } hold && !hold.UsedUpBy(batch.HeldJoules, batch.HeldGrams);
                LineOutcome outcome;
                try
                {
                    outcome = await owner._sender.SendAsync(batch, line, region, held, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    outcome = new LineOutcome(503, "", "", 0, 0, owner._options.RetryDelay);
                }

                if (outcome.Status is 429 or 503 || outcome.RetryAfter is not null && outcome.Status >= 400)
                {
                    // Refused for now (a budget spent or held, the ledger away): the line waits, and so does the batch.
                    var wait = outcome.RetryAfter ?? owner._options.RetryDelay;
                    lock (_gate)
                    {
                        pending.Enqueue(line);
                        if (_paused.IsCompleted)
                        {
                            _paused = Task.Delay(wait, owner._time, cancellationToken);
                        }
                    }

                    return;
                }

                var home = owner._regions.HomeRegion(line.Model);
                var grid = await owner._intensity.GetAsync(region ?? home, owner._time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                var atSubmission = _batch.SubmissionIntensity.TryGetValue(home, out var s) ? s : grid.GramsPerKwh;
                var kwh = outcome.EnergyJoules / 3_600_000.0;
                var counterfactual = Math.Max(0, outcome.CarbonGrams + (kwh * (atSubmission - grid.GramsPerKwh)));
                var ok = outcome.Status is >= 200 and < 300;
                await RecordAsync(new BatchLineResult(line.Index, line.CustomId, ok, OutputLine(line, outcome), outcome.EnergyJoules, outcome.CarbonGrams,
                    ok ? counterfactual : outcome.CarbonGrams, held), CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        }

        /// <summary>Stores a line's result (once) and counts it in the batch's record.</summary>
        private async Task RecordAsync(BatchLineResult result, CancellationToken cancellationToken)
        {
            if (!await owner._store.TryAddResultAsync(_batch.Id, result, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _done.Add(result.Index);
                _batch = _batch with
                {
                    Completed = _batch.Completed + (result.Ok ? 1 : 0),
                    Failed = _batch.Failed + (result.Ok ? 0 : 1),
                    EnergyJoules = _batch.EnergyJoules + result.EnergyJoules,
                    CarbonGrams = _batch.CarbonGrams + result.CarbonGrams,
                    CounterfactualGrams = _batch.CounterfactualGrams + result.CounterfactualGrams,
                    HeldJoules = _batch.HeldJoules + (result.Held ? result.EnergyJoules : 0),
                    HeldGrams = _batch.HeldGrams + (result.Held ? result.CarbonGrams : 0),
                };
                await owner.SaveAsync(_batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _write.Release();
            }

            owner._observer?.LineRecorded(_batch, result);
        }

        private async Task<BatchPlan> PlanAsync(Queue<BatchLine> pending, BatchPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var deadline = DateTimeOffset.FromUnixTimeSeconds(_batch.ExpiresAt);
            List<string> candidates;
            int left;
            lock (_gate)
            {
                left = pending.Count;
                candidates = Candidates(pending);
            }

            BatchPlan plan;
            if (!policy.CarbonAware)
            {
                plan = new BatchPlan([new PlannedSlot(now, deadline, candidates[0], 0, left)], RunNow: true, "runs now: the tenant's batches.carbon_aware is off");
            }
            else
            {
                var forecasts = new List<CarbonForecast>(candidates.Count);
                foreach (var region in candidates)
                {
                    forecasts.Add(await CarbonForecasts.GetAsync(owner._intensity, region, now, deadline, cancellationToken).ConfigureAwait(false));
                }

                plan = owner._planner.Plan(new PlanInput(now, deadline, left, policy.RequestsPerSecond, forecasts));
            }

            var words = Describe(plan);
            if (words != _batch.Plan)
            {
                await SaveAsync(_batch with { Plan = words, PlannedGramsPerKwh = plan.MeanGramsPerKwh }, cancellationToken).ConfigureAwait(false);
            }

            return plan;
        }

        /// <summary>The regions that serve every model the pending lines ask for (their home regions when none serves them all).</summary>
        private List<string> Candidates(Queue<BatchLine> pending)
        {
            List<string>? common = null;
            var models = new HashSet<string>(StringComparer.Ordinal);
            foreach (var line in pending)
            {
                if (!models.Add(line.Model))
                {
                    continue;
                }

                var served = owner._regions.Regions(line.Model);
                common = common is null ? [.. served] : common.Intersect(served, StringComparer.OrdinalIgnoreCase).ToList();
            }

            if (common is not { Count: > 0 })
            {
                var first = pending.Count > 0 ? pending.Peek().Model : "";
                return [owner._regions.HomeRegion(first)];
            }

            return common;
        }

        private static string Describe(BatchPlan plan)
        {
            var text = new StringBuilder(plan.Reason);
            var shown = 0;
            foreach (var slot in plan.Slots)
            {
                if (shown++ == 4)
                {
                    text.Append(CultureInfo.InvariantCulture, $"; and {plan.Slots.Count - 4} more slots");
                    break;
                }

                text.Append(CultureInfo.InvariantCulture, $"; {slot.Start:yyyy-MM-ddTHH:mm}Z-{slot.End:HH:mm}Z {slot.Region} {slot.GramsPerKwh:0.#} g/kWh x{slot.Requests}");
            }

            return text.ToString();
        }

        private async Task FinishAsync(string ending, Queue<BatchLine> pending, CancellationToken cancellationToken)
        {
            if (ending == "expired")
            {
                // Marked before the lines are: a run cut short after writing them (all lines then have a result) must
                // still end expired, not completed.
                await SaveAsync(_batch with { ExpiredAt = _batch.ExpiredAt ?? owner.Now() }, cancellationToken).ConfigureAwait(false);
                foreach (var line in pending)
                {
                    await RecordAsync(new BatchLineResult(line.Index, line.CustomId, false,
                        ErrorLine(line.CustomId, "batch_expired", "This line could not be executed before the completion window expired."), 0, 0, 0), cancellationToken).ConfigureAwait(false);
                }
            }

            var now = owner.Now();
            await SaveAsync(_batch with { Status = ending == "completed" ? "finalizing" : ending == "cancelled" ? "cancelling" : _batch.Status, FinalizingAt = now }, cancellationToken).ConfigureAwait(false);
            var results = await owner._store.GetResultsAsync(_batch.Id, cancellationToken).ConfigureAwait(false);
            var output = new StringBuilder();
            var errors = new StringBuilder();
            foreach (var result in results)
            {
                (result.Ok ? output : errors).Append(result.Line).Append('\n');
            }

            var suffix = _batch.Id.StartsWith("batch_", StringComparison.Ordinal) ? _batch.Id["batch_".Length..] : _batch.Id;
            string? outputId = null, errorId = null;
            if (output.Length > 0)
            {
                outputId = OutputFilePrefix + suffix;
                await SaveFileAsync(outputId, $"{_batch.Id}_output.jsonl", output, cancellationToken).ConfigureAwait(false);
            }

            if (errors.Length > 0)
            {
                errorId = ErrorFilePrefix + suffix;
                await SaveFileAsync(errorId, $"{_batch.Id}_error.jsonl", errors, cancellationToken).ConfigureAwait(false);
            }

            // The hold goes before the batch is seen to end: a finalization cut short between them is done again, and the
            // ledger settles a hold once.
            await owner.SettleHoldAsync(_batch).ConfigureAwait(false);
            var ended = _batch with { OutputFileId = outputId, ErrorFileId = errorId, Status = ending };
            ended = ending switch
            {
                "cancelled" => ended with { CancelledAt = now, CancellingAt = _batch.CancellingAt ?? now },
                "expired" => ended with { ExpiredAt = _batch.ExpiredAt ?? now },
                _ => ended with { CompletedAt = now },
            };
            await SaveAsync(ended, cancellationToken).ConfigureAwait(false);
            owner._observer?.BatchEnded(ended);
        }

        private async Task SaveFileAsync(string id, string name, StringBuilder content, CancellationToken cancellationToken)
        {
            var bytes = Encoding.UTF8.GetBytes(content.ToString());
            await owner._store.SaveFileAsync(new StoredFile
            {
                Id = id, TenantId = _batch.TenantId, Filename = name, Purpose = "batch_output", Bytes = bytes.Length, CreatedAt = owner.Now(),
                ExpiresAt = owner.Now() + _batch.OutputExpiresAfterSeconds,
            }, bytes, cancellationToken).ConfigureAwait(false);
        }

        private async Task SaveAsync(BatchRecord batch, CancellationToken cancellationToken)
        {
            await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Counts and figures are this run's; the rest is what the caller changed.
                _batch = batch with
                {
                    Completed = _batch.Completed, Failed = _batch.Failed, EnergyJoules = _batch.EnergyJoules, CarbonGrams = _batch.CarbonGrams,
                    CounterfactualGrams = _batch.CounterfactualGrams, HeldJoules = _batch.HeldJoules, HeldGrams = _batch.HeldGrams,
                };
                await owner.SaveAsync(_batch, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _write.Release();
            }
        }

        private static async Task WaitAsync(List<Task> inFlight, TimeSpan wait, CancellationToken cancellationToken)
        {
            if (wait <= TimeSpan.Zero)
            {
                wait = TimeSpan.FromMilliseconds(10);
            }

            var delay = Task.Delay(wait, cancellationToken);
            if (inFlight.Count == 0)
            {
                await delay.ConfigureAwait(false);
                return;
            }

            await Task.WhenAny([delay, .. inFlight]).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
