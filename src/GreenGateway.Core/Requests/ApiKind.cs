namespace GreenGateway.Core.Requests;

/// <summary>The OpenAI endpoints the gateway understands (all others are passed through).</summary>
public enum ApiKind
{
    ChatCompletions,
    Completions,
    Embeddings,
}

/// <summary>A client error in OpenAI's error shape: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record RequestError(int Status, string Message, string Type, string? Param, string? Code)
{
    public static RequestError Invalid(string message, string? param = null, string? code = null) =>
        new(400, message, "invalid_request_error", param, code);
}
