using System.Diagnostics;
using System.Globalization;
using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Cascade;
using GreenGateway.Configuration;
using GreenGateway.Core.Cache;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Requests;
using GreenGateway.Draft;
using GreenGateway.Errors;
using GreenGateway.Proxy;
using GreenGateway.Routing;
using GreenGateway.Tenants;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace GreenGateway.Pipeline;

/// <summary>
/// The gateway's step in YARP's proxy pipeline, as docs/architecture.md numbers it: an accounted endpoint's request is
/// parsed, resolved, admitted, planned, tried on the cascade's tiers, forwarded to the large model when none answered,
/// and settled, in one <c>try/finally</c> that owns its reservation. Every other <c>/v1</c> path goes to
/// <see cref="PassThrough"/>, through which nothing that carries a body reaches an upstream unaccounted.
/// </summary>
internal sealed partial class GatewayPipeline(
    RequestDelegate next,
    IOptions<GatewayConfig> options,
    ResponseConversations conversations,
    ModelResolver resolver,
    BudgetAdmission admission,
    CascadePlanner planner,
    TierCascade cascade,
    AnswerWriter writer,
    UpstreamForwarder forwarder,
    Settlement settlement,
    Cache.CacheTier cache,
    IEmbedder embedder,
    Telemetry.GatewayMetrics metrics,
    PassThrough passThrough,
    TimeProvider time,
    ILogger<GatewayPipeline> logger)
{
    private readonly GatewayConfig _config = options.Value;

    public async Task InvokeAsync(HttpContext context)
    {
        if (AccountedEndpoints.KindOfRoute(context.GetReverseProxyFeature().Route.Config.RouteId) is not { } kind)
        {
            await passThrough.InvokeAsync(context, next);
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed,
                $"{context.Request.Path} takes POST, not {context.Request.Method}.", "invalid_request_error", code: "method_not_allowed");
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var tenantFeature = context.Features.Get<TenantFeature>()!;
        var tenant = tenantFeature.Tenant;

        // 1. Parse: the body, once, into a typed and validated request.
        var bytes = await RequestBody.ReadBytesAsync(context, _config.Gateway.MaxRequestBodyBytes);
        if (bytes is null)
        {
            await OpenAiErrors.WriteAsync(context, RequestBody.TooLarge(_config.Gateway.MaxRequestBodyBytes));
            return;
        }

        if (!OpenAiRequest.TryParse(bytes, kind, out var request, out var invalid))
        {
            await OpenAiErrors.WriteAsync(context, invalid!);
            return;
        }

        // 1b. Continue: a Responses API request's previous_response_id brings the tenant's stored conversation before its input.
        if (request!.Responses?.PreviousResponseId is not null)
        {
            (request, invalid) = await conversations.ContinueAsync(request!, tenant.Id, context.RequestAborted);
            if (request is null)
            {
                await OpenAiErrors.WriteAsync(context, invalid!);
                return;
            }
        }

        // 2. Resolve: the model's upstream, and the tenant's right to it.
        var (route, unknown) = await resolver.ResolveAsync(request!, tenant, context.RequestAborted, tenantFeature.BatchRegion);
        if (route is null)
        {
            await OpenAiErrors.WriteAsync(context, unknown!);
            return;
        }

        // 3. Admit: a reservation in every budget window. From here one try/finally owns it.
        var requestId = Guid.NewGuid().ToString("N");
        context.Response.Headers["X-GG-Request-Id"] = requestId;
        var (admitted, refused) = await admission.AdmitAsync(request!, route, tenant, requestId, context.RequestAborted, tenantFeature.BatchHeld);
        if (admitted is null)
        {
            await refused!.WriteAsync(context);
            return;
        }

        await using (admitted)
        {
            var result = new RequestResult(CascadeTiers.Upstream, StatusCodes.Status500InternalServerError, null);
            var held = new Held();
            try
            {
                // The answer's shape for the client's API; a response is stored (where asked) as its request settles.
                var format = AnswerFormat.For(request!, requestId, time.GetUtcNow().ToUnixTimeSeconds());
                var beforeLastByte = format is ResponsesFormat responses ? conversations.BeforeLastByte(admitted, request!, tenant.Id, responses) : admitted.SettleFigures;
                result = await AnswerAsync(context, request!, tenantFeature, admitted, bytes, format, beforeLastByte, held);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                Log.Failed(logger, tenant.Id, admitted.Route.Model, e);
                result = result with { Status = StatusCodes.Status500InternalServerError };
                await OpenAiErrors.WriteAsync(context, StatusCodes.Status500InternalServerError,
                    "The gateway failed to answer this request; nothing was charged for it.", "server_error", code: "internal_error");
            }
            catch (OperationCanceledException)
            {
                result = result with { Status = 499 };
            }
            finally
            {
                // 7. Settle: what was delivered, or nothing; the metrics, the log line, the cache, the outcome log.
                await settlement.SettleAsync(admitted, request!, tenant.Id, held.Query, result, Stopwatch.GetElapsedTime(started));
                if (held.Outcome is { } outcome)
                {
                    await outcome.DisposeAsync();
                }
            }
        }
    }

    /// <summary>Steps 4 to 6: plan, the cascade's tiers, then the large model alone.</summary>
    private async Task<RequestResult> AnswerAsync(HttpContext context, OpenAiRequest request, TenantFeature tenant, Admission admitted,
        byte[] bytes, AnswerFormat format, Func<Accounting.RequestFigures, ValueTask> beforeLastByte, Held held)
    {
        var route = admitted.Route;
        if (admitted.DowngradedFrom is { } from)
        {
            context.Response.Headers["X-GG-Downgraded-From"] = from;
        }

        // 4. Plan: the tiers this request may use.
        var (plan, badTiers) = planner.Plan(context.Request.Headers["X-GG-Tiers"], request, route, tenant.Tenant, admitted.Grid, admitted.BelowUpstreamOnly);
        if (plan is null)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, badTiers!, "invalid_request_error", "X-GG-Tiers", "unknown_tier");
            return new RequestResult(CascadeTiers.Upstream, StatusCodes.Status400BadRequest, null);
        }

        if (plan.Restricted is { } why)
        {
            context.Response.Headers["X-GG-Restricted"] = why;
        }

        if (plan.Probe is { } probe)
        {
            context.Response.Headers["X-GG-Probe"] = probe;
            metrics.BaselineProbe(route.Model);
        }

        // Only a request that may use the cache reads or fills it (X-GG-Tiers: upstream leaves it alone).
        // Its embedding is computed once, on first use, and shared by the lookup and the write-back; a request that cannot
        // be cached never computes one.
        var query = held.Query = plan.Allows(CascadeTier.Cache) && CacheQueries.For(request, tenant.Tenant.Id) is { } q
            ? q with { Embedding = new PromptEmbedding(embedder, q.Prompt) }
            : null;

        // 5. The cascade: the first tier below the large model that answers.
        var tierRequest = new TierRequest(request, route, tenant.Tenant, tenant.Policies, plan, admitted.Grid, query);
        var outcome = held.Outcome = await cascade.RunAsync(tierRequest, context.RequestAborted);
        if (outcome.Answer is { } answer)
        {
            var written = await writer.WriteAsync(context, new AnswerTarget(request, route, admitted.Grid, admitted.RequestId, format), answer, beforeLastByte);
            if (written.Written || !plan.Allows(CascadeTier.Upstream))
            {
                var status = written.Written ? StatusCodes.Status200OK : StatusCodes.Status502BadGateway;
                if (!written.Written)
                {
                    await OpenAiErrors.WriteAsync(context, status, written.End?.Failure ?? "The answer failed.", "upstream_error", code: "upstream_failed");
                }

                return new RequestResult(answer.Tier, status, written.Figures, written.End, written.Text, Draft: outcome.Handover as DraftRun,
                    Lossless: plan.Policy.Acceptance == AcceptanceMode.Greedy);
            }

            // Nothing reached the client before the answer failed: the large model answers alone.
        }

        if (!plan.Allows(CascadeTier.Upstream))
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status422UnprocessableEntity,
                $"None of the tiers this request may use ({CascadeTiers.Format(plan.Tiers)}) could answer it.", "invalid_request_error", "X-GG-Tiers", "no_tier_answered");
            return new RequestResult(CascadeTiers.Upstream, StatusCodes.Status422UnprocessableEntity, null, Draft: outcome.Handover as DraftRun);
        }

        // 6. The large model alone, through YARP.
        // The answer is settled and written to the cache before its last byte, so that the client's next request (the
        // same question asked again) finds it.
        UpstreamCall? call = null;
        call = new UpstreamCall(request, route, admitted.Grid, query is not null, async figures =>
        {
            await beforeLastByte(figures);
            if (query is not null && call!.Cacheable is { } answer)
            {
                cache.Remember(query, answer);
            }
        }, format);
        var forwarded = await forwarder.ForwardAsync(context, next, call, bytes);
        return new RequestResult(CascadeTiers.Upstream, forwarded, call.Figures, Draft: outcome.Handover as DraftRun);
    }

    /// <summary>The cascade's outcome, held for the <c>finally</c> that disposes it after the answer is written.</summary>
    private sealed class Held
    {
        public CascadeOutcome? Outcome { get; set; }

        /// <summary>The request's cache query, once the plan allowed the cache.</summary>
        public CacheQuery? Query { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "A request of tenant {Tenant} for {Model} failed in the gateway")]
        public static partial void Failed(ILogger logger, string tenant, string model, Exception exception);
    }
}
