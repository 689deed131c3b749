using System.Text.Json;
using GreenGateway.Configuration;
using GreenGateway.Core.Activity;
using GreenGateway.Dashboard;
using GreenGateway.Errors;
using GreenGateway.Tenants;
using Microsoft.Extensions.Options;

namespace GreenGateway.Endpoints;

/// <summary>
/// <c>POST /v1/feedback</c>: the calling tenant's verdict on one of its answers, <c>{"response_id", "useful", "score"}</c>.
/// The id is the answer's <c>X-GG-Request-Id</c>, or the <c>id</c> the gateway gave an answer it wrote
/// (<c>chatcmpl-gg-…</c>, <c>resp_gg…</c>). Answers can be judged for <c>Dashboard.FeedbackTtlHours</c>; a later verdict
/// replaces an earlier one. Free: nothing is charged.
/// </summary>
internal static class FeedbackEndpoint
{
    private const int MaxBodyBytes = 16 * 1024;

    public static async Task HandleAsync(HttpContext context, IFeedbackStore store, ActivityRecorder recorder, TimeProvider time, IOptions<GatewayConfig> options)
    {
        var tenant = context.Features.Get<TenantFeature>()!.Tenant.Id;
        var (parsed, error) = await ReadAsync(context);
        if (parsed is not { } body)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, error!.Value.Message, "invalid_request_error", error.Value.Param, error.Value.Code);
            return;
        }

        var id = RequestIdOf(body.ResponseId);
        if (await store.FindAsync(tenant, id, context.RequestAborted) is not { } judged)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound,
                $"No answer of this tenant by the id '{body.ResponseId}' within the last {options.Value.Dashboard.FeedbackTtlHours} hours.",
                "invalid_request_error", "response_id", "response_not_found");
            return;
        }

        var verdict = new Verdict(body.Useful, body.Score, time.GetUtcNow());
        var previous = await store.JudgeAsync(tenant, id, verdict, options.Value.Dashboard.FeedbackTtl, context.RequestAborted);
        await recorder.JudgedAsync(judged.Answer, verdict, previous);

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("object", "feedback");
        json.WriteString("response_id", body.ResponseId);
        json.WriteString("request_id", id);
        json.WriteString("verdict", body.Useful ? "useful" : "not_useful");
        if (body.Score is { } score)
        {
            json.WriteNumber("score", score);
        }
        else
        {
            json.WriteNull("score");
        }

        if (previous is null)
        {
            json.WriteNull("replaced");
        }
        else
        {
            json.WriteString("replaced", previous.Useful ? "useful" : "not_useful");
        }

        json.WriteEndObject();
    }

    /// <summary>The request id inside the ids the gateway gives its own answers.</summary>
    internal static string RequestIdOf(string responseId) =>
        responseId.StartsWith("chatcmpl-gg-", StringComparison.Ordinal) ? responseId["chatcmpl-gg-".Length..]
        : responseId.StartsWith("resp_gg", StringComparison.Ordinal) ? responseId["resp_gg".Length..]
        : responseId;

    private readonly record struct Body(string ResponseId, bool Useful, double? Score);

    private readonly record struct Problem(string Message, string? Param, string Code);

    private static async Task<(Body? Body, Problem? Error)> ReadAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return (null, new Problem($"The body is over {MaxBodyBytes} bytes.", null, "request_too_large"));
            }
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return (null, new Problem("The body is not valid JSON.", null, "invalid_json"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, new Problem("The body is one JSON object.", null, "invalid_json"));
            }

            if (!root.TryGetProperty("response_id", out var idElement))
            {
                return (null, new Problem("response_id is required: the answer's X-GG-Request-Id, or its id.", "response_id", "missing_required_parameter"));
            }

            if (idElement.ValueKind != JsonValueKind.String || idElement.GetString() is not { Length: > 0 and <= 256 } id)
            {
                return (null, new Problem("response_id is a non-empty string of at most 256 characters.", "response_id", "invalid_type"));
            }

            if (!root.TryGetProperty("useful", out var usefulElement))
            {
                return (null, new Problem("useful is required: true or false.", "useful", "missing_required_parameter"));
            }

            if (usefulElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, new Problem("useful is true or false.", "useful", "invalid_type"));
            }

            double? score = null;
            if (root.TryGetProperty("score", out var scoreElement) && scoreElement.ValueKind != JsonValueKind.Null)
            {
                if (scoreElement.ValueKind != JsonValueKind.Number)
                {
                    return (null, new Problem("score is a number from 0 to 1.", "score", "invalid_type"));
                }

                var value = scoreElement.GetDouble();
                if (!(value >= 0 && value <= 1))
                {
                    return (null, new Problem("score is a number from 0 to 1.", "score", "invalid_value"));
                }

                score = value;
            }

            return (new Body(id, usefulElement.GetBoolean(), score), null);
        }
    }
}
