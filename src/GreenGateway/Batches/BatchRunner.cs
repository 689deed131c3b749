using System.Collections.Concurrent;
using GreenGateway.Configuration;
using GreenGateway.Core.Batches;
using GreenGateway.Tenants;
using Microsoft.Extensions.Options;

namespace GreenGateway.Batches;

/// <summary>
/// Each replica's batch runner: every <c>Batches.PollSeconds</c> (and at once when a batch is created here) it looks
/// for batches that have not ended, takes the lease of any that no replica holds (or whose holder stopped renewing
/// it: a replica that died), and runs them with <see cref="BatchExecutor"/>, renewing the lease every third of
/// <c>Batches.LeaseSeconds</c>. A replica that loses a lease stops that batch at once; one that stops lets its leases go,
/// so that another takes over without waiting for them to expire.
/// </summary>
internal sealed partial class BatchRunner(IBatchStore store, BatchExecutor executor, PolicyMonitor policies, IOptions<GatewayConfig> options,
    IHostApplicationLifetime lifetime, TimeProvider time, ILogger<BatchRunner> logger) : BackgroundService
{
    private readonly BatchSettings _settings = options.Value.Batches;
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    /// <summary>This replica's name in leases.</summary>
    public string ReplicaId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>The batches this replica runs now.</summary>
    public IReadOnlyCollection<string> Running => [.. _running.Keys];

    /// <summary>Looks for work now rather than at the next poll.</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Batch requests run through this gateway's own pipeline: it must be listening first.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.PollFailed(logger, e);
            }

            try
            {
                await _wake.WaitAsync(TimeSpan.FromSeconds(_settings.PollSeconds), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(_running.Values);
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        // Expired files are already gone for their owners (the store hides them); here they are removed. Any replica
        // may remove one: a second delete of the same file finds nothing.
        foreach (var file in await store.ExpiredFilesAsync(time.GetUtcNow().ToUnixTimeSeconds(), stoppingToken))
        {
            await store.DeleteFileAsync(file.TenantId, file.Id, stoppingToken);
        }

        var ttl = TimeSpan.FromSeconds(_settings.LeaseSeconds);
        foreach (var id in await store.ActiveBatchIdsAsync(stoppingToken))
        {
            if (_running.Count >= _settings.MaxRunningPerReplica)
            {
                return;
            }

            if (_running.ContainsKey(id) || !await store.TryLeaseAsync(id, ReplicaId, ttl, stoppingToken))
            {
                continue;
            }

            var run = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_running.TryAdd(id, run.Task))
            {
                _ = RunAsync(id, ttl, run, stoppingToken);
            }
        }
    }

    private async Task RunAsync(string id, TimeSpan ttl, TaskCompletionSource done, CancellationToken stoppingToken)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var renewing = new CancellationTokenSource();
        var renew = RenewAsync(id, ttl, lost, renewing.Token);
        try
        {
            Log.Running(logger, id, ReplicaId);
            await Task.Run(() => executor.RunAsync(id, PolicyOf, lost.Token), CancellationToken.None);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            // Stopping, or the lease went to another replica: the results stored so far stand, and the next holder goes on.
        }
        catch (Exception e)
        {
            Log.RunFailed(logger, id, e);
        }
        finally
        {
            await renewing.CancelAsync();
            await renew;
            try
            {
                await store.ReleaseLeaseAsync(id, ReplicaId, CancellationToken.None);
            }
            catch (Exception e)
            {
                Log.PollFailed(logger, e);
            }

            _running.TryRemove(id, out _);
            done.TrySetResult();
        }
    }

    private async Task RenewAsync(string id, TimeSpan ttl, CancellationTokenSource lost, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ttl / 3, stop);
                if (!await store.TryLeaseAsync(id, ReplicaId, ttl, stop))
                {
                    Log.LeaseLost(logger, id, ReplicaId);
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // The store is away: keep running while the lease may still be ours; a holder that cannot renew in time loses it.
                Log.PollFailed(logger, e);
            }
        }
    }

    private BatchPolicy PolicyOf(string tenant) =>
        policies.Current.Tenants.TryGetValue(tenant, out var policy) ? policy.Batches : BatchPolicy.Default;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1901, Level = LogLevel.Information, Message = "Batch {Batch} runs on replica {Replica}")]
        public static partial void Running(ILogger logger, string batch, string replica);

        [LoggerMessage(EventId = 1902, Level = LogLevel.Warning, Message = "Replica {Replica} lost the lease of batch {Batch}; it stops running it")]
        public static partial void LeaseLost(ILogger logger, string batch, string replica);

        [LoggerMessage(EventId = 1903, Level = LogLevel.Error, Message = "Batch {Batch} failed to run; it is taken up again at the next poll")]
        public static partial void RunFailed(ILogger logger, string batch, Exception exception);

        [LoggerMessage(EventId = 1904, Level = LogLevel.Warning, Message = "The batch store failed")]
        public static partial void PollFailed(ILogger logger, Exception exception);
    }
}
