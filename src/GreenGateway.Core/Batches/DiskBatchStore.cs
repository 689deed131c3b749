using System.Text.Json;

namespace GreenGateway.Core.Batches;

/// <summary>
/// The batch store of a gateway without Redis: one folder (<c>Batches.Directory</c>). Files are <c>files/{id}.json</c>
/// (the object) and <c>files/{id}.jsonl</c> (the content); batches <c>batches/{id}.json</c>; a line's result
/// <c>results/{batch}/{index}.json</c>, written to a temporary name and moved into place without overwriting, so that a
/// line has one result whatever crashes or restarts in between; a lease <c>leases/{batch}.json</c> (owner and expiry).
/// Every write goes to a temporary file first and is renamed, so that a killed gateway leaves whole files only.
/// One gateway process per folder: leases between processes on one disk are checked, not locked.
/// </summary>
public sealed class DiskBatchStore : IBatchStore
{
    private static readonly SemaphoreSlim LeaseLock = new(1, 1);
    private readonly string _root;
    private readonly TimeProvider _time;

    public DiskBatchStore(string root, TimeProvider time)
    {
        // Folders are made on the first write, so that a gateway on a read-only disk that never sees a batch still starts.
        _root = root;
        _time = time;
    }

    public async ValueTask SaveFileAsync(StoredFile file, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await WriteAtomicAsync(FilePath(file.Id, ".jsonl"), content, cancellationToken).ConfigureAwait(false);
        await WriteAtomicAsync(FilePath(file.Id, ".json"), JsonSerializer.SerializeToUtf8Bytes(file, BatchJson.Default.StoredFile), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<StoredFile?> GetFileAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        await OwnFileAsync(tenantId, id, cancellationToken).ConfigureAwait(false) is { } file && !file.IsExpired(Now()) ? file : null;

    /// <summary>The tenant's file, expired or not.</summary>
    private async ValueTask<StoredFile?> OwnFileAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        var file = await ReadAsync(FilePath(id, ".json"), BatchJson.Default.StoredFile, cancellationToken).ConfigureAwait(false);
        return file?.TenantId == tenantId ? file : null;
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeSeconds();

    public async ValueTask<IReadOnlyList<StoredFile>> ExpiredFilesAsync(long now, CancellationToken cancellationToken)
    {
        var expired = new List<StoredFile>();
        foreach (var path in Enumerate("files"))
        {
            if (expired.Count < 100 && await ReadAsync(path, BatchJson.Default.StoredFile, cancellationToken).ConfigureAwait(false) is { } file && file.IsExpired(now))
            {
                expired.Add(file);
            }
        }

        return expired;
    }

    public async ValueTask<byte[]?> GetFileContentAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        if (await GetFileAsync(tenantId, id, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        try
        {
            return await File.ReadAllBytesAsync(FilePath(id, ".jsonl"), cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public async ValueTask<bool> DeleteFileAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        if (await OwnFileAsync(tenantId, id, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        File.Delete(FilePath(id, ".json"));
        File.Delete(FilePath(id, ".jsonl"));
        return true;
    }

    public async ValueTask<IReadOnlyList<StoredFile>> ListFilesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var files = new List<StoredFile>();
        foreach (var path in Enumerate("files"))
        {
            if (await ReadAsync(path, BatchJson.Default.StoredFile, cancellationToken).ConfigureAwait(false) is { } file && file.TenantId == tenantId && !file.IsExpired(Now()))
            {
                files.Add(file);
            }
        }

        return [.. files.OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Id, StringComparer.Ordinal)];
    }

    public async ValueTask SaveBatchAsync(BatchRecord batch, bool active, CancellationToken cancellationToken) =>
        await WriteAtomicAsync(BatchPath(batch.Id), JsonSerializer.SerializeToUtf8Bytes(batch, BatchJson.Default.BatchRecord), cancellationToken).ConfigureAwait(false);

    public ValueTask<BatchRecord?> GetBatchAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(BatchPath(id), BatchJson.Default.BatchRecord, cancellationToken);

    public async ValueTask<IReadOnlyList<BatchRecord>> ListBatchesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var batches = new List<BatchRecord>();
        foreach (var batch in await AllBatchesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (batch.TenantId == tenantId)
            {
                batches.Add(batch);
            }
        }

        return [.. batches.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id, StringComparer.Ordinal)];
    }

    public async ValueTask<IReadOnlyList<string>> ActiveBatchIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var batch in await AllBatchesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!batch.IsTerminal)
            {
                ids.Add(batch.Id);
            }
        }

        return ids;
    }

    public async ValueTask RequestCancelAsync(string id, CancellationToken cancellationToken) =>
        await WriteAtomicAsync(Path.Combine(_root, "cancel", Safe(id)), "cancel"u8.ToArray(), cancellationToken).ConfigureAwait(false);

    public ValueTask<bool> IsCancelRequestedAsync(string id, CancellationToken cancellationToken) =>
        ValueTask.FromResult(File.Exists(Path.Combine(_root, "cancel", Safe(id))));

    public async ValueTask<bool> TryAddResultAsync(string batchId, BatchLineResult result, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, "results", Safe(batchId));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, result.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".json");
        if (File.Exists(path))
        {
            return false;
        }

        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            await stream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(result, BatchJson.Default.BatchLineResult), cancellationToken).ConfigureAwait(false);

            // A line's result is on the disk, not only in the page cache, before it is counted.
            stream.Flush(flushToDisk: true);
        }

        try
        {
            // Never overwrites: the first result of a line stands.
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }

    public async ValueTask<IReadOnlyList<BatchLineResult>> GetResultsAsync(string batchId, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_root, "results", Safe(batchId));
        var results = new List<BatchLineResult>();
        if (!Directory.Exists(folder))
        {
            return results;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.json"))
        {
            if (await ReadAsync(path, BatchJson.Default.BatchLineResult, cancellationToken).ConfigureAwait(false) is { } result)
            {
                results.Add(result);
            }
        }

        results.Sort((a, b) => a.Index.CompareTo(b.Index));
        return results;
    }

    public async ValueTask<bool> TryLeaseAsync(string batchId, string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        await LeaseLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = Path.Combine(_root, "leases", Safe(batchId));
            var now = _time.GetUtcNow();
            if (File.Exists(path))
            {
                var parts = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Split(' ');
                if (parts.Length == 2 && parts[0] != owner && long.TryParse(parts[1], out var until) && until > now.UtcTicks)
                {
                    return false;
                }
            }

            await WriteAtomicAsync(path, System.Text.Encoding.UTF8.GetBytes($"{owner} {(now + ttl).UtcTicks}"), cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            LeaseLock.Release();
        }
    }

    public async ValueTask ReleaseLeaseAsync(string batchId, string owner, CancellationToken cancellationToken)
    {
        await LeaseLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = Path.Combine(_root, "leases", Safe(batchId));
            if (File.Exists(path) && (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).StartsWith(owner + " ", StringComparison.Ordinal))
            {
                File.Delete(path);
            }
        }
        finally
        {
            LeaseLock.Release();
        }
    }

    private async Task<List<BatchRecord>> AllBatchesAsync(CancellationToken cancellationToken)
    {
        var batches = new List<BatchRecord>();
        foreach (var path in Enumerate("batches"))
        {
            if (await ReadAsync(path, BatchJson.Default.BatchRecord, cancellationToken).ConfigureAwait(false) is { } batch)
            {
                batches.Add(batch);
            }
        }

        return batches;
    }

    private IEnumerable<string> Enumerate(string folder)
    {
        var path = Path.Combine(_root, folder);
        return Directory.Exists(path) ? Directory.EnumerateFiles(path, "*.json") : [];
    }

    private string FilePath(string id, string extension) => Path.Combine(_root, "files", Safe(id) + extension);

    private string BatchPath(string id) => Path.Combine(_root, "batches", Safe(id) + ".json");

    /// <summary>Ids are the gateway's own (<c>file-</c>/<c>batch_</c> and hex); anything else cannot name a path.</summary>
    private static string Safe(string id)
    {
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return "invalid";
            }
        }

        return id.Length is > 0 and <= 100 ? id : "invalid";
    }

    private static async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, content, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    private static async ValueTask<T?> ReadAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize(bytes, type);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }
}
