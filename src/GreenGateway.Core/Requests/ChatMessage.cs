namespace GreenGateway.Core.Requests;

/// <summary>The roles a chat message may have; any other is a 400, as OpenAI answers.</summary>
public static class ChatRoles
{
    public const string System = "system";
    public const string Developer = "developer";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
    public const string Function = "function";

    public static bool IsKnown(string role) => role is System or Developer or User or Assistant or Tool or Function;
}

/// <summary>One chat message, typed.</summary>
/// <param name="Role">One of <see cref="ChatRoles"/>.</param>
/// <param name="Text">
/// The message's text: its string content, or its text parts joined; null when it has no content or a part that is
/// not text (an image, audio, a file, a refusal).
/// </param>
/// <param name="HasToolCalls">An assistant turn that calls tools (or a function).</param>
/// <param name="Json">The message as sent, compact JSON: earlier turns partition the cache by it.</param>
public sealed record ChatMessage(string Role, string? Text, bool HasToolCalls, string Json)
{
    /// <summary>A plain text message (the draft's and the translated Responses API's own).</summary>
    public static ChatMessage OfText(string role, string text) =>
        new(role, text, false, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["role"] = role, ["content"] = text }));
}

/// <summary>The parameters that shape an answer, as validated; null where the request gave none.</summary>
public sealed record GenerationParameters
{
    public static GenerationParameters Default { get; } = new();

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public long? Seed { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    /// <summary>Stop sequences, in request order; empty when none.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Log-probabilities asked for (chat's <c>logprobs: true</c>, completions' <c>logprobs: n</c>).</summary>
    public bool LogProbs { get; init; }

    public bool HasLogitBias { get; init; }

    /// <summary>The request's <c>tools</c> (or <c>functions</c>) and <c>tool_choice</c> as compact JSON; null when it has none.</summary>
    public string? ToolsJson { get; init; }

    /// <summary>The request's <c>response_format</c> as compact JSON; null when it has none.</summary>
    public string? ResponseFormatJson { get; init; }

    /// <summary>Something only the large model honours: the gateway's own tiers decline such requests.</summary>
    public bool NeedsTheUpstream =>
        ToolsJson is not null || ResponseFormatJson is not null || Stop.Count > 0 || LogProbs || HasLogitBias
        || PresencePenalty is not (null or 0) || FrequencyPenalty is not (null or 0);
}
