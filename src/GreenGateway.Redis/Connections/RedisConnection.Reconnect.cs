using Microsoft.Extensions.Logging;

namespace GreenGateway.Redis.Connections;

public sealed partial class RedisConnection
{
    private void OnFailed(PhysicalConnection failed, Exception reason)
    {
#pragma warning disable CS0420 // Interlocked on a volatile field is still atomic.
        var wasCurrent = Interlocked.CompareExchange(ref _current, null, failed) == failed;
#pragma warning restore CS0420
        if (!wasCurrent || _disposed.IsCancellationRequested)
        {
            return;
        }

        _lastError = reason;
        Log.ConnectionLost(_logger, Options.EndPointText, reason.Message);
        Options.Metrics?.ConnectionFailed(Options.EndPointText, reason);
        StartReconnect();
    }

    private void StartReconnect()
    {
        if (Interlocked.Exchange(ref _reconnecting, 1) == 0)
        {
            _ = Task.Run(ReconnectLoopAsync);
        }
    }

    private async Task ReconnectLoopAsync()
    {
        var attempt = 0;
        while (!_disposed.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Backoff(attempt), Options.TimeProvider, _disposed.Token).ConfigureAwait(false);
                attempt++;
                var physical = await PhysicalConnection.ConnectAsync(Options, _onPush, OnFailed, _disposed.Token).ConfigureAwait(false);
                await ActivateAsync(physical, _disposed.Token).ConfigureAwait(false);
                Log.Reconnected(_logger, Options.EndPointText, attempt);
                Options.Metrics?.Reconnected(Options.EndPointText);
                return;
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _lastError = ex;
                Log.ReconnectFailed(_logger, Options.EndPointText, attempt, ex.Message);
            }
        }
    }

    private async Task ActivateAsync(PhysicalConnection physical, CancellationToken cancellationToken)
    {
        _current = physical;
        if (_onConnected is not null)
        {
            await _onConnected(this, cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _reconnecting, 0);
        if (physical.IsFailed || _disposed.IsCancellationRequested)
        {
            // It failed while we were still marked as reconnecting, so OnFailed could not start a new attempt.
            _current = null;
            if (!_disposed.IsCancellationRequested)
            {
                StartReconnect();
            }
        }
    }

    /// <summary>0 for the first retry, then base x 2^(n-1) up to the maximum, with up to 50 % jitter so that replicas do not reconnect in lockstep.</summary>
    private TimeSpan Backoff(int attempt)
    {
        if (attempt == 0)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(attempt - 1, 20);
        var ticks = Math.Min(Options.ReconnectBaseDelay.Ticks * (1L << exponent), Options.ReconnectMaxDelay.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Redis connection to {EndPoint} lost: {Reason}")]
        public static partial void ConnectionLost(ILogger logger, string endPoint, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Redis connection to {EndPoint} re-established after {Attempts} attempts")]
        public static partial void Reconnected(ILogger logger, string endPoint, int attempts);

        [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Redis reconnect to {EndPoint} attempt {Attempt} failed: {Reason}")]
        public static partial void ReconnectFailed(ILogger logger, string endPoint, int attempt, string reason);
    }
}
