using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Scripting;

/// <summary>
/// A Lua script run by EVALSHA. When the server answers NOSCRIPT (after a restart, a failover or
/// SCRIPT FLUSH), the same call is repeated once as EVAL, which runs the script and adds it to the
/// server's script cache just as SCRIPT LOAD would, in one round trip and on the node that owns the keys
/// (which a separate SCRIPT LOAD could not target in a cluster). See redis.io/docs/latest/commands/evalsha.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string source)
    {
        Source = source;
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
    }

    public string Source { get; }

    /// <summary>The lower-case hex SHA-1 that EVALSHA names the script by.</summary>
    public string Sha1 { get; }

    /// <summary>Runs the script with <paramref name="keys"/> (KEYS) and <paramref name="args"/> (ARGV).</summary>
    public ValueTask<RespValue> EvaluateAsync(IRedisClient client, ReadOnlySpan<RedisArg> keys, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken = default)
    {
        var count = 2 + keys.Length + args.Length;
        var buffer = ArrayPool<RedisArg>.Shared.Rent(count);
        buffer[0] = Sha1;
        buffer[1] = keys.Length;
        keys.CopyTo(buffer.AsSpan(2));
        args.CopyTo(buffer.AsSpan(2 + keys.Length));
        return EvaluateCoreAsync(client, buffer, count, cancellationToken);
    }

    private async ValueTask<RespValue> EvaluateCoreAsync(IRedisClient client, RedisArg[] buffer, int count, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                return await client.ExecuteAsync("EVALSHA", buffer.AsSpan(0, count), cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Prefix == "NOSCRIPT")
            {
                buffer[0] = Source;
                return await client.ExecuteAsync("EVAL", buffer.AsSpan(0, count), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            buffer.AsSpan(0, count).Clear();
            ArrayPool<RedisArg>.Shared.Return(buffer);
        }
    }
}
