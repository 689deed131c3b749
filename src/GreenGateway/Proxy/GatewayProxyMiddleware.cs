using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Cache;
using GreenGateway.Cascade;
using GreenGateway.Configuration;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Budgets;
using GreenGateway.Core.Requests;
using GreenGateway.Errors;
using GreenGateway.Draft;
using GreenGateway.Rules;
using GreenGateway.Speculative;
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
    CascadePlanner planner,
    DraftModel draftModel,
    DraftTier draftTier,
    SpeculativeTier speculativeTier,
    OutcomeLog outcomes,
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

        var (plan, planError) = planner.Plan(context, exchange);
        DraftRun? run = null;
        try
        {
            if (plan is null)
            {
                await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, planError!, "invalid_request_error", "X-GG-Tiers", "unknown_tier");
                return;
            }

            if (plan.Restricted is { } why)
            {
                context.Response.Headers["X-GG-Restricted"] = why;
            }

            (var done, run) = await TryCascadeAsync(context, exchange, plan);
            if (done)
            {
                return;
            }

            if (!plan.Allows(CascadeTier.Upstream))
            {
                await OpenAiErrors.WriteAsync(context, StatusCodes.Status422UnprocessableEntity,
                    $"None of the tiers this request may use ({CascadeTiers.Format(plan.Tiers)}) could answer it.", "invalid_request_error", "X-GG-Tiers", "no_tier_answered");
                return;
            }

            RewriteBody(context, exchange, body);
            context.Features.Set(exchange);
            await ForwardAsync(context, exchange);
        }
        finally
        {
            run?.Dispose();
            await SettleAsync(context, exchange);
            LogOutcome(exchange, plan);
        }
    }

    /// <summary>Tiers 0-3 in order; Done when one of them answered. The draft's run is returned so that it is disposed.</summary>
    private async Task<(bool Done, DraftRun? Run)> TryCascadeAsync(HttpContext context, GatewayExchange exchange, CascadePlan plan)
    {
        var request = exchange.Request;
        if (plan.Allows(CascadeTier.Rules) && await rulesTier.TryAnswerAsync(context, exchange))
        {
            return (true, null);
        }

        if (plan.Allows(CascadeTier.Cache) && cacheTier.QueryFor(request, exchange.Tenant.Id) is { } query)
        {
            exchange.CacheQuery = query;
            if (await cacheTier.TryAnswerAsync(context, exchange, query, plan))
            {
                return (true, null);
            }
        }

        if (!plan.Allows(CascadeTier.Draft) && !plan.Allows(CascadeTier.Speculative))
        {
            return (false, null);
        }

        var room = Math.Max(draftTier.MaxTokens(exchange, plan.DraftIsFinal), plan.Allows(CascadeTier.Speculative) ? speculativeTier.Room(exchange) : 0);
        var run = draftTier.Start(exchange, room);
        if (run is null)
        {
            return (false, null);
        }

        if (plan.Allows(CascadeTier.Draft) && await draftTier.TryAnswerAsync(context, exchange, run, plan))
        {
            // Cached with its confidence: served again only where a cascade would take it (CascadePlan.Serves).
            if (exchange.CacheQuery is { } q && exchange.Figures is { } f && exchange.LocalAnswer is { } answer && exchange.DraftConfidence is { } confidence)
            {
                cacheTier.RememberLocal(q, request.Model, answer.Content, answer.FinishReason, f, new DraftProvenance(confidence.MinProbability, confidence.MeanEntropy));
            }

            return (true, run);
        }

        if (plan.Allows(CascadeTier.Speculative) && await speculativeTier.TryAnswerAsync(context, exchange, run, plan))
        {
            // A lossless answer is the large model's own: the cache may serve it again.
            if (exchange.CacheQuery is { } q && exchange.Figures is { } f && exchange.LocalAnswer is { } answer && plan.Policy.Acceptance == AcceptanceMode.Greedy)
            {
                cacheTier.RememberLocal(q, request.Model, answer.Content, answer.FinishReason, f);
            }

            return (true, run);
        }

        return (false, run);
    }

    private void LogOutcome(GatewayExchange exchange, CascadePlan? plan)
    {
        if (!outcomes.Enabled || plan is null || exchange.UpstreamStatus != StatusCodes.Status200OK || CacheTier.LastUserText(exchange.Request) is not { } prompt)
        {
            return;
        }

        var draftTried = exchange.DraftConfidence is not null;
        outcomes.Add(new Outcome(exchange.Tenant.Id, prompt, exchange.Tier, OutcomeLog.LabelFor(exchange.Tier, exchange.SpeculativeAcceptance, draftTried),
            exchange.SpeculativeAcceptance, exchange.DraftConfidence?.MinProbability));
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
