using System.Globalization;
using GreenGateway.Accounting;
using GreenGateway.Configuration;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace GreenGateway.Proxy;

/// <summary>
/// Takes over the response of interpreted requests: holds back retryable failures, reads token usage,
/// prices the request and adds its figures to the headers and to <c>usage</c> (JSON) or to the usage
/// chunk (SSE), which it relays event by event as it arrives.
/// </summary>
internal static partial class GatewayResponseTransform
{
    public const string ReportedEnergyHeader = "X-Energy-Joules";

    public static async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var exchange = context.HttpContext.Features.Get<GatewayExchange>();
        var response = context.ProxyResponse;
        if (exchange is null || response is null)
        {
            return;
        }

        var status = (int)response.StatusCode;
        if (status is 502 or 503 or 504 && exchange.MayRetry)
        {
            exchange.RetryRequested = true;
            context.SuppressResponseBody = true;
            context.HttpContext.Response.Headers.Clear();
            context.HttpContext.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        exchange.UpstreamStatus = status;
        if (status is < 200 or >= 300)
        {
            // The upstream's own error (a 400 for a bad parameter, say) reaches the client as sent, uncharged.
            return;
        }

        var services = context.HttpContext.RequestServices;
        var accountant = services.GetRequiredService<EnergyAccountant>();
        var config = services.GetRequiredService<IOptions<GatewayConfig>>().Value;
        var idle = TimeSpan.FromSeconds(config.Upstreams[exchange.Route.Upstream].ResponseTimeoutSeconds);
        context.SuppressResponseBody = true;
        var headers = context.HttpContext.Response.Headers;
        headers.ContentLength = null;
        headers.Remove("Transfer-Encoding");
        headers["X-GG-Tier"] = GatewayExchange.UpstreamTier;
        if (exchange.DowngradedFrom is { } from)
        {
            headers["X-GG-Downgraded-From"] = from;
        }

        if (IsEventStream(response))
        {
            await RelayEventStreamAsync(context.HttpContext, exchange, response, accountant, idle);
        }
        else
        {
            await RewriteJsonAsync(context.HttpContext, exchange, response, accountant, config.Gateway.MaxResponseBodyBytes, idle);
        }
    }

    private static bool IsEventStream(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static double? ReportedJoules(HttpResponseMessage response)
    {
        if ((response.Headers.TryGetValues(ReportedEnergyHeader, out var values) || response.TrailingHeaders.TryGetValues(ReportedEnergyHeader, out values))
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var joules)
            && joules >= 0)
        {
            return joules;
        }

        return null;
    }

    private static void WriteFigureHeaders(HttpResponse response, RequestFigures figures)
    {
        response.Headers["X-GG-Energy-J"] = RequestFigures.Format(figures.Energy.Joules);
        response.Headers["X-GG-Carbon-g"] = RequestFigures.Format(figures.CarbonGrams);
        response.Headers["X-GG-Baseline-Energy-J"] = RequestFigures.Format(figures.BaselineJoules);
        response.Headers["X-GG-Energy-Method"] = figures.MethodName;
    }
}
