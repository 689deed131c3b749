using System.Text.Json;
using GreenGateway.Core.Requests;

namespace GreenGateway.Errors;

/// <summary>Writes errors in OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>, which SDKs parse.</summary>
internal static class OpenAiErrors
{
    public static Task WriteAsync(HttpContext context, RequestError error) =>
        WriteAsync(context, error.Status, error.Message, error.Type, error.Param, error.Code);

    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string? param = null, string? code = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        // Headers already set (Retry-After, X-GG-Request-Id) stay; a length copied from an upstream would lie.
        context.Response.Headers.ContentLength = null;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", type);
        WriteNullable(writer, "param", param);
        WriteNullable(writer, "code", code);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
