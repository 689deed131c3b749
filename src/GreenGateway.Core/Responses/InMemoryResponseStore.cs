namespace GreenGateway.Core.Responses;

/// <summary>
/// Stored responses in this process, for a gateway without Redis: per tenant and id, each with its expiry (an expired
/// one is dropped when read), at most <see cref="ResponseStoreOptions.MaxInMemory"/>, the oldest evicted first past it.
/// </summary>
public sealed class InMemoryResponseStore(ResponseStoreOptions options, TimeProvider time) : IResponseStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Tenant, string Id), (StoredResponse Response, DateTimeOffset Expires)> _responses = [];
    private readonly Queue<(string Tenant, string Id)> _order = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _responses.Count;
            }
        }
    }

    public ValueTask SaveAsync(StoredResponse response, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var key = (response.TenantId, response.Id);
            if (!_responses.ContainsKey(key))
            {
                _order.Enqueue(key);
            }

            _responses[key] = (response, now + options.Ttl);
            while (_responses.Count > options.MaxInMemory && _order.TryDequeue(out var oldest))
            {
                _responses.Remove(oldest);
            }

            // Keys whose responses were deleted or replaced linger in the queue; compact it when it grows past twice the store.
            if (_order.Count > 2 * Math.Max(_responses.Count, 16))
            {
                var live = _order.Where(k => _responses.ContainsKey(k)).Distinct().ToArray();
                _order.Clear();
                foreach (var k in live)
                {
                    _order.Enqueue(k);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<StoredResponse?> GetAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_responses.TryGetValue((tenantId, id), out var entry))
            {
                if (entry.Expires > now)
                {
                    return ValueTask.FromResult<StoredResponse?>(entry.Response);
                }

                _responses.Remove((tenantId, id));
            }
        }

        return ValueTask.FromResult<StoredResponse?>(null);
    }

    public ValueTask<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            return ValueTask.FromResult(_responses.Remove((tenantId, id), out var entry) && entry.Expires > now);
        }
    }
}
