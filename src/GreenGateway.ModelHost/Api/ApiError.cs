using System.Text.Json;

namespace GreenGateway.ModelHost.Api;

/// <summary>A request the server refuses, in OpenAI's error shape: {"error": {"message", "type", "param", "code"}}.</summary>
internal sealed record ApiError(int Status, string Message, string? Param = null, string? Code = null)
{
    public string Type => Status switch
    {
        404 => "not_found_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    public static ApiError Invalid(string message, string? param = null, string? code = null) => new(400, message, param, code);

    public async Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = Status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", Message);
            w.WriteString("type", Type);
            w.WriteString("param", Param);
            w.WriteString("code", Code);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted);
    }
}
