namespace GreenGateway.Redis.Cache;

/// <summary>Where nearest-neighbour search runs.</summary>
public enum VectorSearchMode
{
    /// <summary>Server-side when the server has vector sets (probed once with VCARD), else in the gateway.</summary>
    Auto,

    /// <summary>VADD/VSIM on the server (Redis 8, Garnet with --enable-vector-set-preview).</summary>
    Server,

    /// <summary>Brute force in the gateway over vectors kept in Redis and synced per partition.</summary>
    Client,
}

/// <summary>Options of <see cref="RedisSemanticCache"/> beyond the shared <see cref="Core.Cache.SemanticCacheOptions"/>.</summary>
public sealed record RedisSemanticCacheOptions
{
    /// <summary>Where nearest-neighbour search runs. Default <see cref="VectorSearchMode.Auto"/>.</summary>
    public VectorSearchMode SearchMode { get; init; } = VectorSearchMode.Auto;

    /// <summary>Prefix of every key. Default "gg:cache".</summary>
    public string KeyPrefix { get; init; } = "gg:cache";

    /// <summary>Neighbours asked of VSIM, re-scored exactly in the gateway. Default 8.</summary>
    public int CandidateCount { get; init; } = 8;

    /// <summary>Partitions whose vectors a replica keeps in memory for client-side search; beyond it the least recent go. Default 1,024.</summary>
    public int MaxLocalPartitions { get; init; } = 1024;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(KeyPrefix))
        {
            errors.Add("KeyPrefix is required.");
        }

        if (CandidateCount < 1)
        {
            errors.Add("CandidateCount must be at least 1.");
        }

        if (MaxLocalPartitions < 1)
        {
            errors.Add("MaxLocalPartitions must be at least 1.");
        }

        return errors;
    }
}
