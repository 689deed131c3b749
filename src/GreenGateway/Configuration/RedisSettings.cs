using GreenGateway.Redis.Connections;

namespace GreenGateway.Configuration;

/// <summary>The <c>Redis</c> section: shared state for several replicas. Without a URL the gateway keeps its state in process.</summary>
public sealed record RedisSettings
{
    public const string UrlVariable = "GG_REDIS_URL";

    /// <summary>
    /// <c>redis://[user:password@]host:port[/db]</c> or <c>rediss://</c>, or a StackExchange.Redis configuration string
    /// (<c>host1:6379,host2:6379,serviceName=..,ssl=true,user=..,password=..</c>) for Sentinel, Cluster seeds, TLS and ACL
    /// options (<see cref="RedisConnectionString"/>); also <c>GG_REDIS_URL</c>. Default none: embedded state.
    /// </summary>
    public string? Url { get; init; }

    /// <summary><c>fail-open</c> (admit against a local slice, journal, replay) or <c>fail-closed</c> (503) while Redis is away. Default fail-open.</summary>
    public string FailMode { get; init; } = "fail-open";

    /// <summary>Share of each budget one replica may admit alone while Redis is away, in (0, 1]; about 1 / replicas. Default 0.1.</summary>
    public double LocalSliceFraction { get; init; } = 0.1;

    /// <summary>A file where fail-open keeps its journal of unreplayed charges, so that a restart during an outage loses none. Default none (memory).</summary>
    public string? JournalPath { get; init; }

    /// <summary>Seconds to wait for Redis at start-up before starting anyway (the client keeps reconnecting). Default 5.</summary>
    public double ConnectTimeoutSeconds { get; init; } = 5;

    public string? ResolveUrl() => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url ? url : Url;

    public void Validate(List<string> errors)
    {
        if (FailMode is not ("fail-open" or "fail-closed"))
        {
            errors.Add($"Redis.FailMode '{FailMode}' is not fail-open or fail-closed.");
        }

        if (LocalSliceFraction is <= 0 or > 1 || double.IsNaN(LocalSliceFraction))
        {
            errors.Add("Redis.LocalSliceFraction must be in (0, 1].");
        }

        if (ResolveUrl() is { } url && !RedisConnectionString.TryValidate(url, out var error))
        {
            errors.Add($"Redis.Url (or {UrlVariable}) is neither a redis:// / rediss:// URL nor a StackExchange.Redis configuration string: {error}");
        }

        if (ConnectTimeoutSeconds is <= 0 or > 300 || double.IsNaN(ConnectTimeoutSeconds))
        {
            errors.Add("Redis.ConnectTimeoutSeconds must be in (0, 300].");
        }
    }
}
