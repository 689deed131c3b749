using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Energy;
using GreenGateway.Core.Requests;
using GreenGateway.Errors;
using GreenGateway.Proxy;
using GreenGateway.Tenants;
using Microsoft.Extensions.Options;

namespace GreenGateway.Pipeline;

/// <summary>
/// Paths the gateway does not read. Metadata requests (GET, HEAD, DELETE without a body) go through unchanged. Anything
/// that carries a body could generate, so it is refused (404) unless the operator listed its path
/// (<c>Gateway.PassThroughPaths</c>), and a listed path's rule decides what it costs: <c>free</c> goes through
/// unchanged; <c>fixed</c> and <c>tokens</c> are admitted against the tenant's budget (a reservation), forwarded, charged
/// by the rule when answered, and settled, counted and logged by the same <see cref="Admission"/> and
/// <see cref="Settlement"/> as every accounted request. So a spent budget generates through no path.
/// </summary>
internal sealed class PassThrough(IOptions<GatewayConfig> options, BudgetAdmission admission, Settlement settlement)
{
    /// <summary>The tier name pass-through requests are counted under in metrics and logs.</summary>
    public const string Tier = "passthrough";

    private readonly GatewayConfig _config = options.Value;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var carriesBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0
            || HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method);
        var rule = _config.Gateway.PassThroughFor(request.Path);
        if (carriesBody && rule is null)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound,
                $"The gateway does not serve {request.Method} {request.Path}: only accounted endpoints and the paths its operator lists take a request body.",
                "invalid_request_error", code: "unknown_endpoint");
            return;
        }

        if (rule is not { IsAccounted: true })
        {
            await UpstreamForwarder.PassThroughAsync(context, next);
            return;
        }

        await ChargedAsync(context, next, rule);
    }

    /// <summary>A listed path with a cost: read the body (for its size), admit, forward, settle.</summary>
    private async Task ChargedAsync(HttpContext context, RequestDelegate next, PassThroughPath rule)
    {
        var started = Stopwatch.GetTimestamp();
        var tenant = context.Features.Get<TenantFeature>()!.Tenant;
        var bytes = await RequestBody.ReadBytesAsync(context, _config.Gateway.MaxRequestBodyBytes);
        if (bytes is null)
        {
            await OpenAiErrors.WriteAsync(context, RequestBody.TooLarge(_config.Gateway.MaxRequestBodyBytes));
            return;
        }

        var route = RouteFor(rule);
        var charged = OpenAiRequest.ForPassThrough(rule.Path, bytes.Length, MaxTokensOf(bytes));
        var requestId = Guid.NewGuid().ToString("N");
        context.Response.Headers["X-GG-Request-Id"] = requestId;
        var (admitted, refused) = await admission.AdmitAsync(charged, route, tenant, requestId, context.RequestAborted);
        if (admitted is null)
        {
            await refused!.WriteAsync(context);
            return;
        }

        await using (admitted)
        {
            var call = new PassThroughCall(charged, route, rule, admitted.Grid, admitted.SettleFigures);
            var result = new RequestResult(Tier, StatusCodes.Status500InternalServerError, null);
            try
            {
                context.Request.Body = new MemoryStream(bytes, writable: false);
                context.Request.ContentLength = bytes.Length;
                context.Features.Set(call);
                await UpstreamForwarder.PassThroughAsync(context, next);
                result = result with { Status = call.Status ?? context.Response.StatusCode, Figures = call.Figures };
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                result = result with { Status = 499, Figures = call.Figures };
            }
            finally
            {
                context.Features.Set<PassThroughCall>(null);
                await settlement.SettleAsync(admitted, charged, tenant.Id, null, result, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    /// <summary>
    /// The pass-through upstream, priced by the rule: <c>fixed</c> as a profile of joules per request alone, <c>tokens</c>
    /// by the rule's profile (else the upstream's, else the default). The route's model is the path, in metrics and logs.
    /// </summary>
    private ModelRoute RouteFor(PassThroughPath rule)
    {
        var upstreamName = _config.DefaultUpstream;
        var upstream = _config.Upstreams[upstreamName];
        var region = upstream.Region ?? _config.Carbon.Region;
        if (rule.Accounting == PassThroughPath.Fixed)
        {
            return new ModelRoute(rule.Path, upstreamName, rule.Path, "fixed", new EnergyProfile { JoulesPerRequest = rule.JoulesPerRequest!.Value }, region);
        }

        var profile = rule.EnergyProfile ?? upstream.EnergyProfile ?? _config.Energy.DefaultProfile;
        return new ModelRoute(rule.Path, upstreamName, rule.Path, profile, _config.Energy.Profiles[profile], region);
    }

    /// <summary>The answer's limit where the body is a JSON object that gives one (max_tokens and its newer names).</summary>
    private static int? MaxTokensOf(byte[] body)
    {
        if (!OpenAiRequest.TryReadJsonObject(body, out var json))
        {
            return null;
        }

        foreach (var name in (ReadOnlySpan<string>)["max_completion_tokens", "max_output_tokens", "max_tokens"])
        {
            if (json![name] is { } value && value.GetValueKind() == JsonValueKind.Number && value.AsValue().TryGetValue<int>(out var max) && max >= 0)
            {
                return max;
            }
        }

        return null;
    }
}
