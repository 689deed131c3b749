using System.Text.Json;
using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Configuration;
using GreenGateway.Core.Energy;
using Yarp.ReverseProxy.Transforms;

namespace GreenGateway.Proxy;

/// <summary>
/// The answer to a charged pass-through request (<see cref="PassThroughCall"/>): an error goes to the client as the
/// upstream sent it, uncharged; an answer is charged by the path's rule before its body goes out (<c>fixed</c>: the
/// figure; <c>tokens</c>: the <c>usage</c> of a JSON answer within the request's bounds, else what was reserved) and
/// carries the <c>X-GG-*</c> figures. Bodies are otherwise relayed unchanged.
/// </summary>
internal static partial class GatewayResponseTransform
{
    private static async ValueTask ApplyPassThroughAsync(ResponseTransformContext context, PassThroughCall call, HttpResponseMessage response)
    {
        var http = context.HttpContext;
        var status = (int)response.StatusCode;
        call.Status = status;
        if (status is < 200 or >= 300)
        {
            return;
        }

        var services = http.RequestServices;
        var accountant = services.GetRequiredService<EnergyAccountant>();
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(call.StartedAt);
        var request = call.Request;

        // Without a usage to read, what was reserved is charged: the prompt's estimate and the answer's limit.
        var reserved = new TokenUsage(request.PromptTokenEstimate, (int)Math.Min(int.MaxValue, request.CompletionTokensFor(request.MaxTokens ?? accountant.DefaultCompletionTokens)), Counted: true);
        if (call.Rule.Accounting == PassThroughPath.Fixed)
        {
            await ChargeAsync(http, call, accountant.PriceUpstream(call.Route, request, null, default, null, call.Grid, elapsed));
            return;
        }

        if (IsEventStream(response) || !string.Equals(response.Content.Headers.ContentType?.MediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            await ChargeAsync(http, call, accountant.PriceUpstream(call.Route, request, null, reserved, ReportedJoules(response), call.Grid, elapsed));
            return;
        }

        var config = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GatewayConfig>>().Value;
        var idle = TimeSpan.FromSeconds(config.Upstreams[call.Route.Upstream].ResponseTimeoutSeconds);
        var (body, why) = await ReadAnswerAsync(http, response, config.Gateway.MaxResponseBodyBytes, idle);
        if (body is null)
        {
            call.Status = StatusCodes.Status502BadGateway;
            context.SuppressResponseBody = true;
            http.Response.Headers.ContentLength = null;
            await Errors.OpenAiErrors.WriteAsync(http, StatusCodes.Status502BadGateway, $"The upstream '{call.Route.Upstream}' failed: {why}", "upstream_error", code: "upstream_failed");
            return;
        }

        TokenUsage? reported = null;
        using (var document = TryParseObject(body))
        {
            if (document is not null)
            {
                reported = ReadUsage(document.RootElement) ?? ReadResponsesUsage(document.RootElement);
            }
        }

        context.SuppressResponseBody = true;
        http.Response.Headers.Remove("Transfer-Encoding");
        await ChargeAsync(http, call, accountant.PriceUpstream(call.Route, request, reported, reserved, ReportedJoules(response), call.Grid, elapsed));
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    private static async ValueTask ChargeAsync(HttpContext http, PassThroughCall call, RequestFigures figures)
    {
        call.Figures = figures;
        FigureFormat.WriteHeaders(http.Response.Headers, figures);
        await call.BeforeLastByte(figures);
    }
}
