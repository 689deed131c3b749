using System.Buffers;
using GreenGateway.Errors;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace GreenGateway.Proxy;

internal sealed partial class GatewayProxyMiddleware
{
    /// <summary>
    /// Forwards through the rest of YARP's pipeline (load balancing, passive health, the forwarder),
    /// retrying connection failures and 502/503/504 on another destination while nothing has reached
    /// the client. Once the first byte is out there is no retry.
    /// </summary>
    private async Task ForwardAsync(HttpContext context, GatewayExchange exchange)
    {
        if (!proxyState.TryGetCluster(exchange.Route.Upstream, out var cluster))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status502BadGateway,
                $"The upstream '{exchange.Route.Upstream}' is not configured.", "upstream_error", code: "upstream_unknown");
            return;
        }

        context.ReassignProxyRequest(cluster);
        var proxy = context.GetReverseProxyFeature();
        var attempts = _config.Upstreams[exchange.Route.Upstream].MaxAttempts;
        var tried = new List<DestinationState>(attempts);
        for (var attempt = 1; ; attempt++)
        {
            exchange.MayRetry = attempt < attempts;
            context.Request.Body.Position = 0;
            await next(context);
            if (proxy.ProxiedDestination is { } destination)
            {
                tried.Add(destination);
            }

            var error = context.Features.Get<IForwarderErrorFeature>();
            var retry = exchange.RetryRequested || (error?.Error == ForwarderError.Request && exchange.MayRetry);
            if (retry && !context.Response.HasStarted)
            {
                Log.Retrying(logger, exchange.Route.Upstream, attempt, error?.Error.ToString() ?? "upstream 5xx");
                exchange.RetryRequested = false;
                context.Response.Clear();
                context.Features.Set<IForwarderErrorFeature>(null);
                proxy.AvailableDestinations = Remaining(cluster, tried);
                continue;
            }

            if (error is not null)
            {
                await WriteForwardingErrorAsync(context, exchange.Route.Upstream, error);
            }

            return;
        }
    }

    /// <summary>Other /v1 paths: forwarded once, unchanged, with errors in OpenAI's shape.</summary>
    private async Task PassThroughAsync(HttpContext context)
    {
        await next(context);
        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            await WriteForwardingErrorAsync(context, context.GetReverseProxyFeature().Cluster.Config.ClusterId, error);
        }
    }

    private static IReadOnlyList<DestinationState> Remaining(ClusterState cluster, List<DestinationState> tried)
    {
        var available = cluster.DestinationsState.AvailableDestinations;
        var remaining = new List<DestinationState>(available.Count);
        foreach (var destination in available)
        {
            if (!tried.Contains(destination))
            {
                remaining.Add(destination);
            }
        }

        // Every healthy destination was tried: try them again rather than give up early.
        return remaining.Count > 0 ? remaining : available;
    }

    private static Task WriteForwardingErrorAsync(HttpContext context, string upstream, IForwarderErrorFeature error)
    {
        if (context.Response.HasStarted || error.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled)
        {
            return Task.CompletedTask;
        }

        return error.Error switch
        {
            ForwarderError.RequestTimedOut => OpenAiErrors.WriteAsync(context, StatusCodes.Status504GatewayTimeout,
                $"The upstream '{upstream}' did not answer in time.", "upstream_error", code: "upstream_timeout"),
            ForwarderError.NoAvailableDestinations => OpenAiErrors.WriteAsync(context, StatusCodes.Status502BadGateway,
                $"The upstream '{upstream}' has no healthy destination.", "upstream_error", code: "upstream_unavailable"),
            _ => OpenAiErrors.WriteAsync(context, StatusCodes.Status502BadGateway,
                $"The upstream '{upstream}' could not be reached ({error.Error}: {error.Exception?.GetBaseException().Message ?? "no response"}).",
                "upstream_error", code: "upstream_unreachable"),
        };
    }

    /// <summary>Reads the body up to the configured limit; answers 413 (and returns null) past it.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var max = _config.Gateway.MaxRequestBodyBytes;
        if (context.Request.ContentLength > max)
        {
            await WriteTooLargeAsync(context, max);
            return null;
        }

        try
        {
            if (context.Request.ContentLength is { } length)
            {
                return await KnownLengthBody.ReadAsync(context.Request.Body, length, () => context.RequestAborted);
            }

            var buffer = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                var read = await context.Request.Body.ReadAsync(buffer.GetMemory(8192), context.RequestAborted);
                if (read == 0)
                {
                    return buffer.WrittenSpan.ToArray();
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > max)
                {
                    await WriteTooLargeAsync(context, max);
                    return null;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteTooLargeAsync(context, max);
            return null;
        }
    }

    private static Task WriteTooLargeAsync(HttpContext context, long max) =>
        OpenAiErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
            $"The request body is larger than the gateway accepts ({max} bytes).", "invalid_request_error", code: "request_too_large");

    private static partial class Log
    {
        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Retrying upstream {Upstream} after attempt {Attempt}: {Reason}")]
        public static partial void Retrying(ILogger logger, string upstream, int attempt, string reason);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "The budget ledger failed to admit a request of tenant {Tenant}")]
        public static partial void LedgerUnavailable(ILogger logger, string tenant, Exception exception);

        [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "Prompt of tenant {Tenant} for {Model}: {Body}")]
        public static partial void Prompt(ILogger logger, string tenant, string model, string body);
    }
}
