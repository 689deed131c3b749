using System.Globalization;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Cluster;

/// <summary>Which primary serves each of the 16384 slots, as "host:port" endpoints.</summary>
internal sealed class SlotMap
{
    private readonly string?[] _owners = new string?[HashSlot.Count];

    public IReadOnlyCollection<string> Primaries => _primaries;

    private readonly HashSet<string> _primaries = new(StringComparer.Ordinal);

    public string? OwnerOf(int slot) => _owners[slot];

    /// <summary>Every slot has an owner.</summary>
    public bool IsComplete => Array.IndexOf(_owners, null) < 0;

    public void Assign(int first, int last, string endpoint)
    {
        if (first < 0 || last >= HashSlot.Count || first > last)
        {
            throw new RedisProtocolException($"slot range {first}-{last} is invalid");
        }

        Array.Fill(_owners, endpoint, first, last - first + 1);
        _primaries.Add(endpoint);
    }

    public SlotMap With(int slot, string endpoint)
    {
        var copy = new SlotMap();
        Array.Copy(_owners, copy._owners, _owners.Length);
        copy._primaries.UnionWith(_primaries);
        copy._owners[slot] = endpoint;
        copy._primaries.Add(endpoint);
        return copy;
    }

    /// <summary>
    /// Reads CLUSTER SHARDS (Redis 7+): per shard, "slots" as flat start/end pairs and "nodes" as field/value lists
    /// with "role", "endpoint" (or "ip") and "port". <paramref name="fallbackHost"/> replaces an unknown endpoint ("?").
    /// </summary>
    public static SlotMap FromShards(RespValue reply, string fallbackHost)
    {
        var map = new SlotMap();
        foreach (var shard in reply.Items)
        {
            var slots = Field(shard, "slots");
            var nodes = Field(shard, "nodes");
            string? primary = null;
            foreach (var node in nodes.Items)
            {
                if (Field(node, "role").AsString() == "master" && Field(node, "health").AsString() is null or "online")
                {
                    var host = Field(node, "endpoint").AsString() ?? Field(node, "ip").AsString();
                    host = host is null or "?" or "" ? fallbackHost : host;
                    primary = $"{host}:{Field(node, "port").AsInt64().ToString(CultureInfo.InvariantCulture)}";
                }
            }

            var ranges = slots.Items;
            for (var i = 0; primary is not null && i + 1 < ranges.Length; i += 2)
            {
                map.Assign((int)ranges[i].AsInt64(), (int)ranges[i + 1].AsInt64(), primary);
            }
        }

        return map;
    }

    /// <summary>Reads CLUSTER SLOTS: entries [start, end, [host, port, id...], replicas...].</summary>
    public static SlotMap FromSlots(RespValue reply, string fallbackHost)
    {
        var map = new SlotMap();
        foreach (var range in reply.Items)
        {
            var items = range.Items;
            if (items.Length < 3)
            {
                continue;
            }

            var primary = items[2].Items;
            var host = primary[0].AsString();
            host = host is null or "?" or "" ? fallbackHost : host;
            map.Assign((int)items[0].AsInt64(), (int)items[1].AsInt64(), $"{host}:{primary[1].AsInt64().ToString(CultureInfo.InvariantCulture)}");
        }

        return map;
    }

    private static RespValue Field(RespValue fields, string name)
    {
        var items = fields.Items;
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            if (items[i].AsString() == name)
            {
                return items[i + 1];
            }
        }

        return RespValue.Null;
    }
}
