using System.Text.Json.Nodes;

namespace GreenGateway.Core.Requests;

/// <summary>
/// What a Responses API request (<c>POST /v1/responses</c>) says beyond the messages and parameters every request has,
/// validated: the response object echoes it, the store keeps its input, and the translation to chat completions reads
/// its tools and text format.
/// </summary>
public sealed record ResponsesFields
{
    /// <summary>The input items, each a <c>message</c>, <c>function_call</c> or <c>function_call_output</c> item; a string
    /// input is one user message item. After a continuation, the stored conversation's items come first.</summary>
    public required JsonArray Input { get; init; }

    /// <summary><c>instructions</c>: the system message of this request only (a continuation does not inherit it).</summary>
    public string? Instructions { get; init; }

    /// <summary>The stored response this one continues; null once the continuation is expanded into <see cref="Input"/>.</summary>
    public string? PreviousResponseId { get; init; }

    /// <summary>The response the client continued, kept for the response object after the expansion.</summary>
    public string? ContinuedFrom { get; init; }

    /// <summary>Whether the response is stored (<c>store</c>, default true as in OpenAI's API).</summary>
    public bool Store { get; init; } = true;

    /// <summary><c>tools</c> in the Responses API's shape (function tools are flat: type, name, parameters); null when none.</summary>
    public JsonArray? Tools { get; init; }

    /// <summary><c>tool_choice</c>: a string or an object; null when not given.</summary>
    public JsonNode? ToolChoice { get; init; }

    /// <summary><c>text</c> (its <c>format</c>: text, json_object or json_schema); null when not given.</summary>
    public JsonObject? Text { get; init; }

    /// <summary><c>metadata</c>: up to 16 string values; null when not given.</summary>
    public JsonObject? Metadata { get; init; }

    public bool? ParallelToolCalls { get; init; }

    public string? User { get; init; }

    /// <summary><c>truncation</c>: <c>auto</c> or <c>disabled</c>; null when not given.</summary>
    public string? Truncation { get; init; }
}
