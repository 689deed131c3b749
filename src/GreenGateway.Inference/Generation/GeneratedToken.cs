namespace GreenGateway.Inference.Generation;

/// <summary>Why a generation ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence or stop token was produced.</summary>
    Stop,

    /// <summary>MaxTokens were produced, or the context is full.</summary>
    Length,
}

/// <summary>A token and its natural-log probability under the model (before temperature and truncation).</summary>
public readonly record struct TokenLogprob(int TokenId, float Logprob);

/// <summary>
/// One generated token: its id, the text it completes (empty while a UTF-8 character is still partial; special
/// tokens give none), its log-probability, the most likely alternatives if asked, and on the last token why
/// the generation ended.
/// </summary>
public sealed record GeneratedToken(int TokenId, string Text, float Logprob, IReadOnlyList<TokenLogprob> TopLogprobs, FinishReason? FinishReason);

/// <summary>A prompt token with the log-probability the model gave it after the tokens before it (none for the first).</summary>
public sealed record PromptTokenScore(int TokenId, float? Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);
