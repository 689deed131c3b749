using GreenGateway.Core.Requests;

namespace GreenGateway.Core.Cache;

/// <summary>Where a request's answer may be looked up and stored: its partition and the question.</summary>
public static class CacheQueries
{
    /// <summary>
    /// The cache query of <paramref name="request"/>, or null when it cannot be cached: not a chat completion or a response, several
    /// choices, log-probabilities asked for, or a last turn that is not the user's text. A Responses API request reads as
    /// the chat completion it translates to, so it shares the answers of the same conversation.
    /// </summary>
    public static CacheQuery? For(OpenAiRequest request, string tenantId)
    {
        if (request.Kind is not (ApiKind.ChatCompletions or ApiKind.Responses) || request.Choices != 1 || request.Parameters.LogProbs || request.LastUserText is not { Length: > 0 } prompt)
        {
            return null;
        }

        var earlier = new List<CacheMessage>(request.Messages.Count - 1);
        for (var i = 0; i < request.Messages.Count - 1; i++)
        {
            // Earlier turns are hashed as sent (tool calls included), so any difference is another partition.
            earlier.Add(new CacheMessage(request.Messages[i].Role, request.Messages[i].Json));
        }

        var p = request.Parameters;
        var parameters = new CacheParameters
        {
            Temperature = p.Temperature,
            TopP = p.TopP,
            MaxTokens = request.MaxTokens,
            Seed = p.Seed,
            PresencePenalty = p.PresencePenalty,
            FrequencyPenalty = p.FrequencyPenalty,
            Stop = p.Stop.Count == 0 ? null : p.Stop,
            ToolsJson = p.ToolsJson,
            ResponseFormatJson = p.ResponseFormatJson,
        };
        var partition = new CachePartition(tenantId, request.Model, parameters.Hash(), CacheKeys.ContextHash(earlier));
        return new CacheQuery(partition, prompt, p.Temperature);
    }
}
