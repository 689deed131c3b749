using System.Net.Security;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Connections;

/// <summary>The RESP version spoken after the handshake.</summary>
public enum RespProtocol
{
    /// <summary>RESP2: AUTH and CLIENT SETNAME as separate commands; works with every server.</summary>
    Resp2 = 2,

    /// <summary>RESP3: one <c>HELLO 3 AUTH .. SETNAME ..</c> handshake (Redis 6+, Garnet).</summary>
    Resp3 = 3,
}

/// <summary>How to reach one RESP endpoint and how to behave when it is away. Usually made by <see cref="RedisOptions.Parse"/>.</summary>
public sealed partial record RedisOptions
{
    /// <summary>Host name or address. Required.</summary>
    public required string Host { get; init; }

    /// <summary>TCP port. Default 6379.</summary>
    public int Port { get; init; } = 6379;

    /// <summary>ACL user name; null for the default user. Default null.</summary>
    public string? User { get; init; }

    /// <summary>Password; null for no AUTH. Default null.</summary>
    public string? Password { get; init; }

    /// <summary>Logical database selected after connecting. Default 0 (no SELECT sent). Redis Cluster has only 0.</summary>
    public int Database { get; init; }

    /// <summary>TLS through SslStream (the <c>rediss://</c> scheme). Default false.</summary>
    public bool UseTls { get; init; }

    /// <summary>Server certificate check for TLS; null for the system's default validation. Default null.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }

    /// <summary>Name given by CLIENT SETNAME (or HELLO SETNAME), seen in CLIENT LIST. Default "greengateway".</summary>
    public string? ClientName { get; init; } = "greengateway";

    /// <summary>RESP version. Default RESP2, which every RESP server speaks; RESP3 sends HELLO 3.</summary>
    public RespProtocol Protocol { get; init; } = RespProtocol.Resp2;

    /// <summary>Limit for TCP connect plus handshake. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A reply not received within this closes the connection (all its commands fail with <see cref="RedisTimeoutException"/>). Default 5 s.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First reconnect delay; doubles per failed attempt. Default 100 ms.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest reconnect delay. Default 5 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Multiplexed connections per endpoint, used round-robin. Default 1.</summary>
    public int PoolSize { get; init; } = 1;

    /// <summary>Parser bounds. Default <see cref="RespLimits.Default"/>.</summary>
    public RespLimits Limits { get; init; } = RespLimits.Default;

    /// <summary>Instruments to report connection failures and reconnects on; null for none. Default null.</summary>
    public RedisMetrics? Metrics { get; init; }

    /// <summary>Time source for timeouts. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Every problem with these options, all at once; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add("Host is required.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add($"Port {Port} is outside 1..65535.");
        }

        if (Database < 0)
        {
            errors.Add($"Database {Database} is negative.");
        }

        if (User is not null && Password is null)
        {
            errors.Add("User is set without Password.");
        }

        if (PoolSize < 1)
        {
            errors.Add($"PoolSize {PoolSize} must be at least 1.");
        }

        CheckPositive(errors, ConnectTimeout, nameof(ConnectTimeout));
        CheckPositive(errors, CommandTimeout, nameof(CommandTimeout));
        CheckPositive(errors, ReconnectBaseDelay, nameof(ReconnectBaseDelay));
        if (ReconnectMaxDelay < ReconnectBaseDelay)
        {
            errors.Add("ReconnectMaxDelay is shorter than ReconnectBaseDelay.");
        }

        return errors;
    }

    /// <summary>"host:port", for messages.</summary>
    public string EndPointText => $"{Host}:{Port}";

    private static void CheckPositive(List<string> errors, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name} must be positive.");
        }
    }
}
