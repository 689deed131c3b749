namespace GreenGateway.Core.Batches;

/// <summary>
/// Files, batches, their per-line results and the leases that let one replica at a time run a batch: in Redis when the
/// gateway has one (replicas share them), else on disk. Reads by tenant return null for another tenant's object.
/// Failures are the backing store's own exceptions; the endpoints answer them with 503.
/// </summary>
public interface IBatchStore
{
    ValueTask SaveFileAsync(StoredFile file, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>The tenant's file; null for another tenant's, an unknown or an expired one (an expired file is gone even before it is removed).</summary>
    ValueTask<StoredFile?> GetFileAsync(string tenantId, string id, CancellationToken cancellationToken);

    ValueTask<byte[]?> GetFileContentAsync(string tenantId, string id, CancellationToken cancellationToken);

    ValueTask<bool> DeleteFileAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>The tenant's files, newest first (none expired).</summary>
    ValueTask<IReadOnlyList<StoredFile>> ListFilesAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Any tenant's files whose <see cref="StoredFile.ExpiresAt"/> has passed at <paramref name="now"/> (Unix seconds), at most 100: the runner removes them.</summary>
    ValueTask<IReadOnlyList<StoredFile>> ExpiredFilesAsync(long now, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the batch; <paramref name="active"/> keeps it in the set the runners poll.</summary>
    ValueTask SaveBatchAsync(BatchRecord batch, bool active, CancellationToken cancellationToken);

    /// <summary>Any tenant's batch (the runners').</summary>
    ValueTask<BatchRecord?> GetBatchAsync(string id, CancellationToken cancellationToken);

    /// <summary>The tenant's batches, newest first.</summary>
    ValueTask<IReadOnlyList<BatchRecord>> ListBatchesAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Batches not yet in a final state.</summary>
    ValueTask<IReadOnlyList<string>> ActiveBatchIdsAsync(CancellationToken cancellationToken);

    ValueTask RequestCancelAsync(string id, CancellationToken cancellationToken);

    ValueTask<bool> IsCancelRequestedAsync(string id, CancellationToken cancellationToken);

    /// <summary>Stores a line's result unless that line has one already; false then (the first result stands).</summary>
    ValueTask<bool> TryAddResultAsync(string batchId, BatchLineResult result, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<BatchLineResult>> GetResultsAsync(string batchId, CancellationToken cancellationToken);

    /// <summary>Takes the batch's lease for <paramref name="owner"/> when nobody holds it (or it expired), or renews it when <paramref name="owner"/> does.</summary>
    ValueTask<bool> TryLeaseAsync(string batchId, string owner, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Lets the lease go, if <paramref name="owner"/> still holds it.</summary>
    ValueTask ReleaseLeaseAsync(string batchId, string owner, CancellationToken cancellationToken);
}
