using System.Globalization;
using System.Text.Json;
using GreenGateway.Core.Responses;
using StackExchange.Redis;

namespace GreenGateway.Redis.Responses;

/// <summary>
/// Stored responses in Redis, so that any replica reads, continues or deletes a response another stored. One string per
/// response, <c>gg:resp:{tenant length}:{tenant}:{id}</c> (the length keeps tenant and id apart whatever they hold), with
/// Redis's own expiry (<c>SET</c> with an expiry). The value names its tenant too, and a read checks it. Failures are
/// StackExchange.Redis's own exceptions; the callers log a failed store and answer a failed read with 503.
/// </summary>
public sealed class RedisResponseStore(IConnectionMultiplexer redis, ResponseStoreOptions options) : IResponseStore
{
    public const string KeyPrefix = "gg:resp";

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly TimeSpan _ttl = TimeSpan.FromMilliseconds(Math.Max(1, (long)options.Ttl.TotalMilliseconds));

    public async ValueTask SaveAsync(StoredResponse response, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var value = JsonSerializer.SerializeToUtf8Bytes(new Entry(response.TenantId, response.Id, response.ResponseJson, response.InputJson), EntryJson.Default.Entry);
        await _db.StringSetAsync(Key(response.TenantId, response.Id), value, _ttl).ConfigureAwait(false);
    }

    public async ValueTask<StoredResponse?> GetAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var reply = await _db.StringGetLeaseAsync(Key(tenantId, id)).ConfigureAwait(false);
        if (reply is null || reply.Length == 0)
        {
            return null;
        }

        var entry = JsonSerializer.Deserialize(reply.Span, EntryJson.Default.Entry);
        return entry is not null && entry.Tenant == tenantId && entry.Id == id ? new StoredResponse(entry.Id, entry.Tenant, entry.Response, entry.Input) : null;
    }

    public async ValueTask<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await _db.KeyDeleteAsync(Key(tenantId, id)).ConfigureAwait(false);
    }

    internal static string Key(string tenantId, string id) =>
        string.Create(CultureInfo.InvariantCulture, $"{KeyPrefix}:{tenantId.Length}:{tenantId}:{id}");

    internal sealed record Entry(string Tenant, string Id, string Response, string Input);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(RedisResponseStore.Entry))]
internal sealed partial class EntryJson : System.Text.Json.Serialization.JsonSerializerContext;
