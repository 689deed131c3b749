namespace GreenGateway.Core.Cache;

/// <summary>
/// What the cache keeps of an upstream answer: enough to answer again as JSON (<see cref="ResponseJson"/>)
/// or as an SSE stream (<see cref="Content"/> and <see cref="FinishReason"/>, from which the host writes
/// chat.completion.chunk events), and what it cost, so that a hit can report the energy it saved.
/// </summary>
/// <param name="Model">The model that produced the answer.</param>
/// <param name="Content">The assistant message text.</param>
/// <param name="FinishReason">OpenAI's finish_reason (stop, length...); null when unknown.</param>
/// <param name="ResponseJson">The full chat.completion body as the upstream sent it (or as assembled from its stream).</param>
/// <param name="PromptTokens">Prompt tokens of the original request.</param>
/// <param name="CompletionTokens">Completion tokens of the original answer.</param>
/// <param name="EnergyJoules">Energy the original answer cost, in joules (the baseline a hit saves).</param>
/// <param name="CarbonGrams">Emissions the original answer cost, in gCO2e.</param>
/// <param name="Draft">
/// Set when the gateway's draft model answered alone: its confidence, so that the answer is served again only
/// to requests whose cascade allows the draft and whose bar it still clears. Null for the model's own answers.
/// </param>
public sealed record CachedAnswer(
    string Model,
    string Content,
    string? FinishReason,
    string ResponseJson,
    int PromptTokens,
    int CompletionTokens,
    double EnergyJoules,
    double CarbonGrams,
    DraftProvenance? Draft = null);

/// <summary>How sure the draft model was of an answer it gave alone.</summary>
/// <param name="MinTokenProbability">The least probability of any of its tokens.</param>
/// <param name="MeanEntropy">The mean entropy of its steps, in nats.</param>
public sealed record DraftProvenance(double MinTokenProbability, double MeanEntropy);

/// <summary>One cached answer with the prompt it answered.</summary>
/// <param name="Id">Unique id of the entry.</param>
/// <param name="PromptHash">Hash of the normalized prompt (<see cref="CacheKeys.PromptHash"/>), for exact matches.</param>
/// <param name="Embedding">The prompt's embedding, unit length.</param>
/// <param name="Answer">The answer.</param>
/// <param name="CreatedAt">When it was stored.</param>
/// <param name="ExpiresAt">When it stops being served.</param>
/// <param name="Prompt">The prompt it answered, for the <see cref="LexicalGuard"/>; empty for entries stored before it was kept (never a semantic hit).</param>
public sealed record CacheEntry(string Id, string PromptHash, float[] Embedding, CachedAnswer Answer, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string Prompt = "");
