using System.Buffers;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Connections;

internal sealed partial class PhysicalConnection
{
    private const int SmallWrite = 16 * 1024;

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var yielded = false;
                while (true)
                {
                    if (!await DrainQueueAsync(reader).ConfigureAwait(false))
                    {
                        return;
                    }

                    if (yielded || _output.UnflushedBytes == 0 || _output.UnflushedBytes >= SmallWrite)
                    {
                        break;
                    }

                    // Callers often issue a burst (a pipeline); give the rest of it a moment to arrive so that it goes
                    // out in one write and is read by the server in one read, rather than one per command.
                    yielded = true;
                    await Task.Yield();
                }

                var flushed = await _output.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex is RedisConnectionException ? ex : new RedisConnectionException($"writing to {_options.EndPointText} failed: {ex.Message}", ex));
        }
    }

    /// <summary>Moves every queued command into the pipe; false when the connection failed meanwhile.</summary>
    private async ValueTask<bool> DrainQueueAsync(System.Threading.Channels.ChannelReader<PendingOp> reader)
    {
        while (reader.TryRead(out var op))
        {
            if (op.IsCompleted)
            {
                // Cancelled before it was sent: never send it.
                op.ReleaseBuffer();
                continue;
            }

            _inFlight.Enqueue(op);
            op.Payload.CopyTo(_output.GetSpan(op.Length));
            _output.Advance(op.Length);
            op.ReleaseBuffer();
            if (IsFailed)
            {
                // Fail() may have drained before the enqueue above: drain again so nothing is stranded.
                DrainAll();
                return false;
            }

            if (_output.UnflushedBytes > FlushThreshold)
            {
                await _output.FlushAsync().ConfigureAwait(false);
            }
        }

        return true;
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = ParseReplies(buffer);
                _input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    var partial = buffer.Slice(consumed).Length > 0 ? " in the middle of a reply" : string.Empty;
                    Fail(partial.Length > 0
                        ? new RedisProtocolException($"{_options.EndPointText} closed the connection{partial}")
                        : new RedisConnectionException($"{_options.EndPointText} closed the connection"));
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex is RedisConnectionException ? ex : new RedisConnectionException($"reading from {_options.EndPointText} failed: {ex.Message}", ex));
        }
    }

    private SequencePosition ParseReplies(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (!reader.End)
        {
            var attempt = reader;
            if (!RespParser.TryRead(ref attempt, _options.Limits, out var value))
            {
                break;
            }

            reader = attempt;
            Dispatch(value);
        }

        return reader.Position;
    }

    private void Dispatch(in RespValue value)
    {
        if (_onPush is not null && IsPublishedMessage(value))
        {
            _onPush(value);
            return;
        }

        if (value.Type == RespType.Push && _onPush is null)
        {
            // Out-of-band RESP3 data (for example client-side-caching invalidations) is not a reply.
            return;
        }

        if (!_inFlight.TryPeek(out var op))
        {
            throw new RedisProtocolException($"{_options.EndPointText} sent a reply to no command");
        }

        if (op.PrefixReplies > 0)
        {
            // The reply to a prefix command (ASKING) sent in the same write; only the read loop touches this count.
            op.PrefixReplies--;
            return;
        }

        _inFlight.TryDequeue(out _);
        op.TrySetResult(value);
    }

    private static bool IsPublishedMessage(in RespValue value)
    {
        if (value.Type is not (RespType.Push or RespType.Array) || value.Items.Length < 3)
        {
            return false;
        }

        var kind = value.Items[0].Bytes;
        return kind.SequenceEqual("message"u8) || kind.SequenceEqual("pmessage"u8) || kind.SequenceEqual("smessage"u8);
    }
}
