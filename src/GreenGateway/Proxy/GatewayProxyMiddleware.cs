using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Cache;
using GreenGateway.Configuration;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Requests;
using GreenGateway.Errors;
using GreenGateway.Rules;
using GreenGateway.Telemetry;
using GreenGateway.Tenants;
using GreenGateway.Upstreams;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy;

namespace GreenGateway.Proxy;

/// <summary>
/// The gateway's step in YARP's proxy pipeline. Chat completions, completions and embeddings are read,
/// validated, routed by model, admitted against the tenant's budget, forwarded with retries and settled
/// at their actual cost; every other <c>/v1</c> path is forwarded unchanged.
/// </summary>
internal sealed partial class GatewayProxyMiddleware(
    RequestDelegate next,
    IOptions<GatewayConfig> options,
    ModelCatalog catalog,
    ModelDiscovery discovery,
    EnergyAccountant accountant,
    IBudgetLedger ledger,
    IProxyStateLookup proxyState,
    TimeProvider time,
    GatewayMetrics metrics,
    ExchangeSettlement settlement,
    CacheTier cacheTier,
    RulesTier rulesTier,
    ILogger<GatewayProxyMiddleware> logger)
{
    private readonly GatewayConfig _config = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant;
        if (Classify(context.Request) is not { } kind)
        {
            await PassThroughAsync(context);
            return;
        }

        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            return;
        }

        if (!OpenAiRequest.TryParse(body, kind, out var request, out var error))
        {
            await OpenAiErrors.WriteAsync(context, error!);
            return;
        }

        if (await ResolveAsync(context, request!, tenant) is not { } route)
        {
            return;
        }

        var exchange = await AdmitAsync(context, request!, route, tenant);
        if (exchange is null)
        {
            return;
        }

        try
        {
            if (TierAllowed(context, RulesTier.Name) && await rulesTier.TryAnswerAsync(context, exchange))
            {
                return;
            }

            if (TierAllowed(context, CacheTier.Name) && cacheTier.QueryFor(request!, tenant.Id) is { } query)
            {
                exchange.CacheQuery = query;
                if (await cacheTier.TryAnswerAsync(context, exchange, query))
                {
                    return;
                }
            }

            RewriteBody(context, exchange, body);
            context.Features.Set(exchange);
            await ForwardAsync(context, exchange);
        }
        finally
        {
            await SettleAsync(context, exchange);
        }
    }

    private static ApiKind? Classify(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return null;
        }

        var path = request.Path.Value;
        return path switch
        {
            "/v1/chat/completions" => ApiKind.ChatCompletions,
            "/v1/completions" => ApiKind.Completions,
            "/v1/embeddings" => ApiKind.Embeddings,
            _ => null,
        };
    }

    /// <summary>
    /// A request may narrow, never widen, the tiers it is served by with <c>X-GG-Tiers</c>
    /// (comma-separated, e.g. <c>upstream</c> for the large model alone).
    /// </summary>
    private static bool TierAllowed(HttpContext context, string tier)
    {
        var header = context.Request.Headers["X-GG-Tiers"];
        if (header.Count == 0)
        {
            return true;
        }

        foreach (var value in header)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (string.Equals(part, tier, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private void RewriteBody(HttpContext context, GatewayExchange exchange, byte[] original)
    {
        var body = exchange.Request.Body;
        var bytes = original;

        // Only what must change is rewritten: the model name of an alias, and the usage request of a stream.
        if (exchange.Request.Stream || !string.Equals(exchange.Route.UpstreamModel, exchange.Request.Model, StringComparison.Ordinal))
        {
            body["model"] = exchange.Route.UpstreamModel;
            if (exchange.Request.Stream)
            {
                // Ask for the usage chunk whatever the client asked: it is how a stream is priced. The relay
                // drops it again for clients that did not ask for it.
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
            Log.Prompt(logger, exchange.Tenant.Id, exchange.Route.Model, System.Text.Encoding.UTF8.GetString(bytes));
        }
    }
}
