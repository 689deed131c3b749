using GreenGateway.Inference.Tokenization;

namespace GreenGateway.ModelHost.Api;

/// <summary>The fields of /v1/completions and /v1/chat/completions this server reads, parsed and checked.</summary>
internal sealed record GenerationRequest
{
    public string? Model { get; init; }

    /// <summary>Completions: the prompt as text, or null when given as token ids.</summary>
    public string? PromptText { get; init; }

    /// <summary>Completions: the prompt as token ids (vLLM's verification form).</summary>
    public int[]? PromptTokens { get; init; }

    /// <summary>Chat: the conversation.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    /// <summary>Chat: the messages as the chat template sees them (tool calls and ids kept, content as text).</summary>
    public System.Text.Json.JsonElement? Conversation { get; init; }

    /// <summary>Chat: the request's <c>tools</c>, shown to the chat template; null when none.</summary>
    public System.Text.Json.JsonElement? Tools { get; init; }

    /// <summary>Chat: <c>tool_choice</c> is "none": the answer is not read for tool calls (the tools still reach the template).</summary>
    public bool ToolChoiceNone { get; init; }

    /// <summary>Whether the answer is read for tool calls in the model's format: tools offered, and not tool_choice "none".</summary>
    public bool ReadsToolCalls(Serving.ToolCallFormat format) =>
        format != Serving.ToolCallFormat.None && !ToolChoiceNone && Tools is { ValueKind: System.Text.Json.JsonValueKind.Array } t && t.GetArrayLength() > 0;

    /// <summary>Null: as many as the context leaves (vLLM's default).</summary>
    public int? MaxTokens { get; init; }

    public float Temperature { get; init; } = 1f;

    public float TopP { get; init; } = 1f;

    public int TopK { get; init; }

    public int? Seed { get; init; }

    public bool Stream { get; init; }

    public bool IncludeUsage { get; init; }

    /// <summary>Completions: the number of alternatives (logprobs=N); chat: top_logprobs when logprobs is true. Null: none.</summary>
    public int? Logprobs { get; init; }

    public bool Echo { get; init; }

    /// <summary>vLLM: per prompt position, the given token's log-probability and this many alternatives. Null: none.</summary>
    public int? PromptLogprobs { get; init; }

    public bool IgnoreEos { get; init; }

    /// <summary>Stop strings: the completion ends before the first of them and does not contain it (finish_reason "stop").</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>vLLM: completions logprobs name tokens <c>token_id:N</c> instead of their text (a lone byte of a UTF-8 character has no text).</summary>
    public bool ReturnTokensAsTokenIds { get; init; }
}
