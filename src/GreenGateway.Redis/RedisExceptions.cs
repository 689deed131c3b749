namespace GreenGateway.Redis;

/// <summary>The base of every error the client raises.</summary>
public class RedisException : Exception
{
    public RedisException(string message)
        : base(message)
    {
    }

    public RedisException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Redis is unavailable: not connected (reconnecting), the connection was lost, a connect failed, or a
/// reply did not arrive in time. Commands never wait for a reconnect; they fail with this at once.
/// </summary>
public class RedisConnectionException : RedisException
{
    public RedisConnectionException(string message)
        : base(message)
    {
    }

    public RedisConnectionException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>A reply did not arrive within <see cref="Connections.RedisOptions.CommandTimeout"/>; the connection was closed and is being re-established.</summary>
public sealed class RedisTimeoutException(string message) : RedisConnectionException(message);

/// <summary>The server sent bytes that are not valid RESP or exceed <see cref="Protocol.RespLimits"/>; the connection was closed.</summary>
public sealed class RedisProtocolException(string message) : RedisConnectionException(message);

/// <summary>The server answered with an error reply, such as <c>WRONGTYPE</c> or <c>NOSCRIPT</c>.</summary>
public sealed class RedisServerException(string message) : RedisException(message)
{
    /// <summary>The error's first word (ERR, WRONGTYPE, NOSCRIPT, MOVED, ASK...), as Redis conventionally prefixes errors.</summary>
    public string Prefix
    {
        get
        {
            var space = Message.IndexOf(' ', StringComparison.Ordinal);
            return space < 0 ? Message : Message[..space];
        }
    }
}
