using System.Globalization;
using System.Text;
using System.Text.Json;
using GreenGateway.Accounting;
using GreenGateway.Answers;
using GreenGateway.Configuration;
using GreenGateway.Core.Cascade;
using GreenGateway.Errors;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace GreenGateway.Proxy;

/// <summary>
/// Takes over the upstream's response to an accounted request (<see cref="UpstreamCall"/>): holds back retryable
/// failures, gives errors OpenAI's shape, refuses a 200 that is not the endpoint's JSON, reads token usage, prices the
/// answer within what the request could have cost, and adds its figures to the headers and to <c>usage</c> (JSON) or
/// to the usage chunk (SSE), which it relays event by event as it arrives.
/// </summary>
internal static partial class GatewayResponseTransform
{
    public const string ReportedEnergyHeader = "X-Energy-Joules";

    /// <summary>The most of an upstream's error body that is read to relay or wrap it.</summary>
    private const int MaxErrorBodyBytes = 64 * 1024;

    public static async ValueTask ApplyAsync(ResponseTransformContext context)
    {
        var call = context.HttpContext.Features.Get<UpstreamCall>();
        var response = context.ProxyResponse;
        if (response is not null && call is null && context.HttpContext.Features.Get<PassThroughCall>() is { } passThrough)
        {
            await ApplyPassThroughAsync(context, passThrough, response);
            return;
        }

        if (call is null || response is null)
        {
            return;
        }

        var status = (int)response.StatusCode;
        if (status is 502 or 503 or 504 && call.MayRetry)
        {
            call.RetryRequested = true;
            context.SuppressResponseBody = true;
            context.HttpContext.Response.Headers.Clear();
            context.HttpContext.Response.StatusCode = StatusCodes.Status200OK;
            return;
        }

        var services = context.HttpContext.RequestServices;
        var config = services.GetRequiredService<IOptions<GatewayConfig>>().Value;
        var idle = TimeSpan.FromSeconds(config.Upstreams[call.Route.Upstream].ResponseTimeoutSeconds);
        context.SuppressResponseBody = true;
        var headers = context.HttpContext.Response.Headers;
        headers.ContentLength = null;
        headers.Remove("Transfer-Encoding");
        if (status is < 200 or >= 300)
        {
            await RelayErrorAsync(context.HttpContext, call, response, status, idle);
            return;
        }

        headers["X-GG-Tier"] = CascadeTiers.Upstream;
        var accountant = services.GetRequiredService<EnergyAccountant>();
        if (call.Request.Kind == Core.Requests.ApiKind.Responses)
        {
            if (IsEventStream(response))
            {
                await RelayResponsesStreamAsync(context.HttpContext, call, response, accountant, idle);
            }
            else
            {
                await RewriteResponsesJsonAsync(context.HttpContext, call, response, accountant, config.Gateway.MaxResponseBodyBytes, idle);
            }

            return;
        }

        if (IsEventStream(response))
        {
            await RelayEventStreamAsync(context.HttpContext, call, response, accountant, idle);
        }
        else
        {
            await RewriteJsonAsync(context.HttpContext, call, response, accountant, config.Gateway.MaxResponseBodyBytes, idle);
        }
    }

    /// <summary>
    /// The upstream's own error, uncharged: an OpenAI-shaped body is relayed as sent, anything else is wrapped in that
    /// shape. A 5xx other than 503 and 504 becomes 502: the fault is the upstream's, and the gateway answers no 500.
    /// </summary>
    private static async Task RelayErrorAsync(HttpContext http, UpstreamCall call, HttpResponseMessage response, int status, TimeSpan idle)
    {
        var relayed = status is >= 500 and not (503 or 504) ? StatusCodes.Status502BadGateway : status;
        byte[] body;
        try
        {
            body = await ReadBoundedAsync(response.Content, MaxErrorBodyBytes, idle, http.RequestAborted);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException || (e is OperationCanceledException && !http.RequestAborted.IsCancellationRequested))
        {
            body = [];
        }

        call.Status = relayed;
        if (IsOpenAiError(body))
        {
            http.Response.StatusCode = relayed;
            http.Response.ContentType = "application/json";
            http.Response.ContentLength = body.Length;
            await http.Response.Body.WriteAsync(body, http.RequestAborted);
            return;
        }

        var text = Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 512))).Trim();
        var message = $"The upstream '{call.Route.Upstream}' answered {status.ToString(CultureInfo.InvariantCulture)}" + (text.Length > 0 ? $": {text}" : ".");
        http.Response.Headers.ContentType = default;
        await OpenAiErrors.WriteAsync(http, relayed, message, relayed >= 500 ? "upstream_error" : "invalid_request_error", code: "upstream_error");
    }

    private static bool IsOpenAiError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                found |= isError && reader.TokenType == JsonTokenType.StartObject;
                reader.Skip();
            }

            return found && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsEventStream(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static double? ReportedJoules(HttpResponseMessage response)
    {
        if ((response.Headers.TryGetValues(ReportedEnergyHeader, out var values) || response.TrailingHeaders.TryGetValues(ReportedEnergyHeader, out values))
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var joules))
        {
            // Checked (finite, non-negative, plausible) where it is priced.
            return joules;
        }

        return null;
    }

    private static Task WriteUpstreamFailedAsync(HttpContext http, UpstreamCall call, string why)
    {
        call.Status = StatusCodes.Status502BadGateway;
        call.Figures = null;
        return OpenAiErrors.WriteAsync(http, StatusCodes.Status502BadGateway, $"The upstream '{call.Route.Upstream}' failed: {why}", "upstream_error", code: "upstream_failed");
    }
}
