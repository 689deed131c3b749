using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Configuration;
using GreenGateway.Core.Requests;
using GreenGateway.Errors;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace GreenGateway.Proxy;

/// <summary>
/// Step 6, the large model alone: forwards through the rest of YARP's pipeline (load balancing, passive health, the
/// forwarder) to the model's upstream, retrying connection failures and 502/503/504 on another destination while
/// nothing has reached the client. Once the first byte is out there is no retry. The response transform
/// (<see cref="GatewayResponseTransform"/>) prices and writes the answer.
/// </summary>
internal sealed partial class UpstreamForwarder(IProxyStateLookup proxyState, IOptions<GatewayConfig> options, ILogger<UpstreamForwarder> logger)
{
    private readonly GatewayConfig _config = options.Value;

    /// <summary>Forwards <paramref name="body"/> (the request's bytes) and returns what the call found; the status written when it found nothing.</summary>
    public async Task<int> ForwardAsync(HttpContext context, RequestDelegate next, UpstreamCall call, byte[] body)
    {
        if (!proxyState.TryGetCluster(call.Route.Upstream, out var cluster))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status502BadGateway,
                $"The upstream '{call.Route.Upstream}' is not configured.", "upstream_error", code: "upstream_unknown");
            return StatusCodes.Status502BadGateway;
        }

        if (!SetBody(context, call, body, out var untranslatable))
        {
            await OpenAiErrors.WriteAsync(context, untranslatable!);
            return untranslatable!.Status;
        }

        context.ReassignProxyRequest(cluster);
        var proxy = context.GetReverseProxyFeature();
        var attempts = _config.Upstreams[call.Route.Upstream].MaxAttempts;
        var tried = new List<DestinationState>(attempts);
        context.Features.Set(call);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                call.MayRetry = attempt < attempts;
                context.Request.Body.Position = 0;
                await next(context);
                if (proxy.ProxiedDestination is { } destination)
                {
                    tried.Add(destination);
                }

                var error = context.Features.Get<IForwarderErrorFeature>();
                var retry = call.RetryRequested || (error?.Error == ForwarderError.Request && call.MayRetry);
                if (retry && !context.Response.HasStarted)
                {
                    Log.Retrying(logger, call.Route.Upstream, attempt, error?.Error.ToString() ?? "upstream 5xx");
                    call.RetryRequested = false;
                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    proxy.AvailableDestinations = Remaining(cluster, tried);
                    continue;
                }

                if (error is not null && call.Status is null)
                {
                    return await WriteForwardingErrorAsync(context, call.Route.Upstream, error);
                }

                return call.Status ?? context.Response.StatusCode;
            }
        }
        finally
        {
            context.Features.Set<UpstreamCall>(null);
        }
    }

    /// <summary>Other /v1 paths: forwarded once, unchanged, with errors in OpenAI's shape.</summary>
    public static async Task PassThroughAsync(HttpContext context, RequestDelegate next)
    {
        await next(context);
        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
        {
            await WriteForwardingErrorAsync(context, context.GetReverseProxyFeature().Cluster.Config.ClusterId, error);
        }
    }

    /// <summary>
    /// The body that goes upstream: the client's bytes as sent, unless the model name of an alias or the usage request
    /// of a stream must change, or a Responses API request goes to an upstream without it (translated to chat completions,
    /// or false with the 400 that says why it cannot be).
    /// </summary>
    private bool SetBody(HttpContext context, UpstreamCall call, byte[] original, out RequestError? untranslatable)
    {
        var request = call.Request;
        var bytes = original;
        untranslatable = null;
        if (request.Kind == ApiKind.Responses)
        {
            if (!_config.Upstreams[call.Route.Upstream].ServesResponses)
            {
                if (!ResponsesTranslation.TryChatBody(request, call.Route.UpstreamModel, out var chat, out untranslatable))
                {
                    return false;
                }

                call.TranslatesResponses = true;
                context.Request.Path = "/v1/chat/completions";
                bytes = JsonSerializer.SerializeToUtf8Bytes(chat);
            }
            else
            {
                // The gateway keeps the conversation (the request carries it whole, previous_response_id expanded) and the
                // stored response: the upstream keeps neither.
                var body = request.UpstreamBody;
                body["model"] = call.Route.UpstreamModel;
                body["store"] = false;
                bytes = JsonSerializer.SerializeToUtf8Bytes(body);
            }

            context.Request.Headers.Remove("Content-Encoding");
        }
        else if (request.Stream || !string.Equals(call.Route.UpstreamModel, request.Model, StringComparison.Ordinal))
        {
            var body = request.UpstreamBody;
            body["model"] = call.Route.UpstreamModel;
            if (request.Stream)
            {
                // Ask for the usage chunk whatever the client asked: it is how a stream is priced. The relay drops it
                // again for clients that did not ask for it.
                var streamOptions = body["stream_options"] as JsonObject ?? [];
                streamOptions["include_usage"] = true;
                body["stream_options"] = streamOptions;
            }

            bytes = JsonSerializer.SerializeToUtf8Bytes(body);
            context.Request.Headers.Remove("Content-Encoding");
        }

        context.Request.Body = new MemoryStream(bytes, writable: false);
        context.Request.ContentLength = bytes.Length;
        if (_config.Gateway.LogPrompts)
        {
            Log.Prompt(logger, call.Route.Model, System.Text.Encoding.UTF8.GetString(bytes));
        }

        return true;
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

    private static async Task<int> WriteForwardingErrorAsync(HttpContext context, string upstream, IForwarderErrorFeature error)
    {
        if (context.Response.HasStarted || error.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled)
        {
            // 499: the client closed the request (nginx's convention), for the metrics and the log line only.
            return context.Response.HasStarted ? context.Response.StatusCode : 499;
        }

        var (status, message, code) = error.Error switch
        {
            ForwarderError.RequestTimedOut => (StatusCodes.Status504GatewayTimeout, $"The upstream '{upstream}' did not answer in time.", "upstream_timeout"),
            ForwarderError.NoAvailableDestinations => (StatusCodes.Status502BadGateway, $"The upstream '{upstream}' has no healthy destination.", "upstream_unavailable"),
            _ => (StatusCodes.Status502BadGateway,
                $"The upstream '{upstream}' could not be reached ({error.Error}: {error.Exception?.GetBaseException().Message ?? "no response"}).", "upstream_unreachable"),
        };
        await OpenAiErrors.WriteAsync(context, status, message, "upstream_error", code: code);
        return status;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Retrying upstream {Upstream} after attempt {Attempt}: {Reason}")]
        public static partial void Retrying(ILogger logger, string upstream, int attempt, string reason);

        [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "Prompt for {Model}: {Body}")]
        public static partial void Prompt(ILogger logger, string model, string body);
    }
}
