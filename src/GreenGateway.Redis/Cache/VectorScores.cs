namespace GreenGateway.Redis.Cache;

/// <summary>Which server answers VSIM, since each reports similarity on its own scale.</summary>
public enum VectorEngine
{
    /// <summary>No vector sets: search runs in the gateway, on cosine directly.</summary>
    None,

    /// <summary>Redis 8 vector sets: VSIM WITHSCORES gives (cos + 1) / 2 in [0, 1] (redis.io/docs/latest/commands/vsim).</summary>
    Redis,

    /// <summary>Garnet's preview vector sets: VSIM WITHSCORES gives a distance, smaller is closer; for unit vectors it is the
    /// squared Euclidean distance |a − b|² = 2 − 2 cos (measured against garnet-server 2.2.8: identical 0, orthogonal 2).</summary>
    Garnet,
}

/// <summary>The one place where an engine's VSIM score becomes a cosine similarity.</summary>
public static class VectorScores
{
    public static double ToCosine(VectorEngine engine, double score) => engine switch
    {
        VectorEngine.Redis => (2 * score) - 1,
        VectorEngine.Garnet => 1 - (score / 2),
        _ => score,
    };
}
