using System.Buffers;
using System.Threading.Tasks.Sources;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Connections;

/// <summary>
/// One command on its way: its encoded bytes (rented, returned once written) and the awaitable its
/// caller holds. Completed exactly once, by the reply, a failure of the connection, a timeout or the
/// caller's cancellation, whichever comes first; later attempts are ignored.
/// </summary>
internal sealed class PendingOp : IValueTaskSource<RespValue>
{
    private static readonly Action<object?, CancellationToken> s_cancel = static (state, token) =>
        ((PendingOp)state!).TrySetException(new OperationCanceledException(token));

    private ManualResetValueTaskSourceCore<RespValue> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private byte[]? _buffer;
    private int _completed;

    private PendingOp(byte[] buffer, int length, long startedAt)
    {
        _buffer = buffer;
        Length = length;
        StartedAt = startedAt;
    }

    public int Length { get; }

    /// <summary>When the command was issued, from <see cref="TimeProvider.GetTimestamp"/>.</summary>
    public long StartedAt { get; }

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, Length);

    /// <summary>
    /// Replies to drop before this op's own: set when a prefix command (ASKING) travels in the same buffer, so
    /// that no other caller's command can come between the two on the shared connection.
    /// </summary>
    public int PrefixReplies { get; set; }

    public static PendingOp Create(string command, ReadOnlySpan<RedisArg> args, long startedAt)
    {
        var length = RespWriter.GetLength(command, args);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        RespWriter.Write(buffer, command, args);
        return new PendingOp(buffer, length, startedAt);
    }

    /// <summary>An op that sends <paramref name="prefix"/> (no arguments) immediately before the command, and answers with the command's reply.</summary>
    public static PendingOp CreateWithPrefix(string prefix, string command, ReadOnlySpan<RedisArg> args, long startedAt)
    {
        var prefixLength = RespWriter.GetLength(prefix, []);
        var length = prefixLength + RespWriter.GetLength(command, args);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        RespWriter.Write(buffer, prefix, []);
        RespWriter.Write(buffer.AsSpan(prefixLength), command, args);
        return new PendingOp(buffer, length, startedAt) { PrefixReplies = 1 };
    }

    public ValueTask<RespValue> AsValueTask(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(s_cancel, this);
        }

        return new ValueTask<RespValue>(this, _core.Version);
    }

    /// <summary>Gives the encoded bytes back to the pool; called by whoever consumed or dropped the op.</summary>
    public void ReleaseBuffer()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Completes with the reply; an error reply becomes a <see cref="RedisServerException"/>.</summary>
    public bool TrySetResult(in RespValue value)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _registration.Unregister();
        if (value.IsError)
        {
            _core.SetException(new RedisServerException(value.AsString() ?? "ERR"));
        }
        else
        {
            _core.SetResult(value);
        }

        return true;
    }

    public bool TrySetException(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _registration.Unregister();
        _core.SetException(exception);
        return true;
    }

    public RespValue GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
