using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Connections;

/// <summary>
/// One socket and its two loops. The write loop takes commands from a queue, records them as in flight
/// and copies them into the pipe, flushing once the queue is momentarily empty (so concurrent callers'
/// commands go out in one write). The read loop parses replies and completes the oldest in-flight command:
/// RESP answers in order, so order alone matches replies to commands. Any failure fails everything
/// in flight and queued, once, and tells the owner, which reconnects.
/// </summary>
internal sealed partial class PhysicalConnection
{
    private const int FlushThreshold = 256 * 1024;

    private readonly RedisOptions _options;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<PendingOp> _queue = Channel.CreateUnbounded<PendingOp>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly ConcurrentQueue<PendingOp> _inFlight = new();
    private readonly Action<RespValue>? _onPush;
    private readonly Action<PhysicalConnection, Exception> _onFailed;
    private ITimer? _timer;
    private Exception? _failure;
    private int _failed;

    private PhysicalConnection(RedisOptions options, Socket socket, Stream stream, Action<RespValue>? onPush, Action<PhysicalConnection, Exception> onFailed)
    {
        _options = options;
        _socket = socket;
        _stream = stream;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
        _onPush = onPush;
        _onFailed = onFailed;
    }

    public bool IsFailed => Volatile.Read(ref _failed) != 0;

    public static async Task<PhysicalConnection> ConnectAsync(RedisOptions options, Action<RespValue>? onPush, Action<PhysicalConnection, Exception> onFailed, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        PhysicalConnection? connection = null;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.UseTls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                var auth = new SslClientAuthenticationOptions { TargetHost = options.Host, RemoteCertificateValidationCallback = options.CertificateValidation };
                await ssl.AuthenticateAsClientAsync(auth, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }

            connection = new PhysicalConnection(options, socket, stream, onPush, onFailed);
            connection.Start();
            await connection.HandshakeAsync(timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex)
        {
            socket.Dispose();
            var error = ex switch
            {
                OperationCanceledException when !cancellationToken.IsCancellationRequested =>
                    new RedisConnectionException($"connecting to {options.EndPointText} timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms"),
                RedisConnectionException rce => rce,
                RedisServerException rse => new RedisConnectionException($"handshake with {options.EndPointText} refused: {rse.Message}", rse),
                OperationCanceledException => ex,
                _ => new RedisConnectionException($"cannot connect to {options.EndPointText}: {ex.Message}", ex),
            };
            connection?.Fail(error as RedisConnectionException ?? new RedisConnectionException("connect cancelled"));
            if (error == ex)
            {
                throw;
            }

            throw error;
        }
    }

    /// <summary>Queues a command; never blocks. Fails at once when this connection has failed.</summary>
    public ValueTask<RespValue> SendAsync(string command, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<RespValue>(cancellationToken);
        }

        return Enqueue(PendingOp.Create(command, args, _options.TimeProvider.GetTimestamp()), cancellationToken);
    }

    /// <summary>Sends <paramref name="prefix"/> and the command back to back, answering with the command's reply (for ASKING).</summary>
    public ValueTask<RespValue> SendWithPrefixAsync(string prefix, string command, ReadOnlySpan<RedisArg> args, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<RespValue>(cancellationToken);
        }

        return Enqueue(PendingOp.CreateWithPrefix(prefix, command, args, _options.TimeProvider.GetTimestamp()), cancellationToken);
    }

    private ValueTask<RespValue> Enqueue(PendingOp op, CancellationToken cancellationToken)
    {
        var task = op.AsValueTask(cancellationToken);
        if (!_queue.Writer.TryWrite(op))
        {
            op.ReleaseBuffer();
            op.TrySetException(CreateFailure());
        }

        return task;
    }

    /// <summary>Closes the socket and fails everything pending; the first reason wins.</summary>
    public void Fail(Exception reason)
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0)
        {
            return;
        }

        _failure = reason;
        _queue.Writer.TryComplete();
        _timer?.Dispose();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone; closing below is all that is left to do.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        DrainAll();
        _onFailed(this, reason);
    }

    private void Start()
    {
        var period = TimeSpan.FromTicks(Math.Clamp(_options.CommandTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _timer = _options.TimeProvider.CreateTimer(static s => ((PhysicalConnection)s!).CheckTimeout(), this, period, period);
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
    }

    private void CheckTimeout()
    {
        if (_inFlight.TryPeek(out var oldest) && _options.TimeProvider.GetElapsedTime(oldest.StartedAt) > _options.CommandTimeout)
        {
            Fail(new RedisTimeoutException($"no reply from {_options.EndPointText} within {_options.CommandTimeout.TotalMilliseconds:0} ms ({_inFlight.Count} commands in flight); connection closed"));
        }
    }

    private void DrainAll()
    {
        while (_inFlight.TryDequeue(out var op))
        {
            op.TrySetException(CreateFailure());
        }

        while (_queue.Reader.TryRead(out var op))
        {
            op.ReleaseBuffer();
            op.TrySetException(CreateFailure());
        }
    }

    /// <summary>A fresh exception per command, of the same type as the failure, so that awaiters never share one instance.</summary>
    private Exception CreateFailure() => _failure switch
    {
        RedisTimeoutException t => new RedisTimeoutException(t.Message),
        RedisProtocolException p => new RedisProtocolException(p.Message),
        RedisConnectionException c => new RedisConnectionException(c.Message, c.InnerException),
        { } other => new RedisConnectionException($"connection to {_options.EndPointText} lost: {other.Message}", other),
        null => new RedisConnectionException($"connection to {_options.EndPointText} closed"),
    };
}
