using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Cluster;

/// <summary>Which argument of a command is the key that decides its slot.</summary>
internal static class CommandRouting
{
    public const int AnyNode = -1;

    private static readonly HashSet<string> Keyless = new(StringComparer.OrdinalIgnoreCase)
    {
        "PING", "ECHO", "INFO", "TIME", "SCRIPT", "CLUSTER", "CLIENT", "HELLO", "AUTH", "SELECT", "DBSIZE", "KEYS", "SCAN",
        "CONFIG", "FLUSHALL", "FLUSHDB", "COMMAND", "ACL", "FUNCTION", "PUBLISH", "SUBSCRIBE", "PSUBSCRIBE", "MULTI", "EXEC",
        "DISCARD", "WAIT", "READONLY", "READWRITE", "ASKING", "MEMORY", "LATENCY", "SLOWLOG", "DEBUG", "LASTSAVE", "SAVE",
    };

    /// <summary>The slot of the command's key, or <see cref="AnyNode"/> for commands that name no key.</summary>
    public static int SlotOf(string command, ReadOnlySpan<RedisArg> args)
    {
        if (args.Length == 0 || Keyless.Contains(command))
        {
            return AnyNode;
        }

        if (command.StartsWith("EVAL", StringComparison.OrdinalIgnoreCase) || command.StartsWith("FCALL", StringComparison.OrdinalIgnoreCase))
        {
            // EVAL script numkeys key...: the first key, when there is one.
            return args.Length > 2 && args[1].ToString() != "0" ? HashSlot.Of(args[2]) : AnyNode;
        }

        return HashSlot.Of(args[0]);
    }
}
