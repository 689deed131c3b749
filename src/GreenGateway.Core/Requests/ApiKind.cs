namespace GreenGateway.Core.Requests;

/// <summary>The OpenAI endpoints the gateway understands (all others are passed through).</summary>
public enum ApiKind
{
    ChatCompletions,
    Completions,
    Embeddings,

    /// <summary><c>POST /v1/responses</c>, OpenAI's Responses API: read into the same messages as a chat completion.</summary>
    Responses,

    /// <summary>A request to a path the operator listed in <c>Gateway.PassThroughPaths</c>, accounted by the path's rule.</summary>
    PassThrough,
}

/// <summary>A client error in OpenAI's error shape: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record RequestError(int Status, string Message, string Type, string? Param, string? Code)
{
    public static RequestError Invalid(string message, string? param = null, string? code = null) =>
        new(400, message, "invalid_request_error", param, code);
}
