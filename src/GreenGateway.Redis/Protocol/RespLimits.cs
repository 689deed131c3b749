namespace GreenGateway.Redis.Protocol;

/// <summary>
/// Bounds the parser enforces on what a server sends, so that no length prefix can make the client
/// allocate without limit. A frame beyond a bound is a protocol error and closes the connection.
/// </summary>
public sealed record RespLimits
{
    /// <summary>Largest bulk string accepted, in bytes. Default 512 MiB, Redis's own <c>proto-max-bulk-len</c> default.</summary>
    public long MaxBulkLength { get; init; } = 512L * 1024 * 1024;

    /// <summary>Most elements in one array, set or push (a map counts two per entry). Default 16,777,216.</summary>
    public int MaxAggregateCount { get; init; } = 1 << 24;

    /// <summary>Deepest nesting of aggregates. Default 64.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Longest simple line (simple string, error, number), in bytes. Default 64 KiB.</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    public static RespLimits Default { get; } = new();
}
