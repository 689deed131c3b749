using StackExchange.Redis;

namespace GreenGateway.Redis.Connections;

/// <summary>Which StackExchange.Redis errors mean "Redis is unavailable" (the fail mode applies) rather than a bug.</summary>
internal static class RedisFailures
{
    /// <summary>
    /// Not connected (with <see cref="BacklogPolicy.FailFast"/> a command fails at once while reconnecting), connection lost,
    /// or no reply within the timeout. <see cref="RedisServerException"/> (an error reply) is not: it is a bug or a misconfiguration.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception is RedisConnectionException or RedisTimeoutException;
}
