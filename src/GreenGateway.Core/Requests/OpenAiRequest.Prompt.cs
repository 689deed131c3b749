using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Energy;

namespace GreenGateway.Core.Requests;

public sealed partial class OpenAiRequest
{
    /// <summary>Per-message overhead of chat formats (role markers, separators); OpenAI's cookbook counts 3 to 4.</summary>
    private const int TokensPerMessage = 4;

    private bool ValidatePrompt(out RequestError? error)
    {
        error = null;
        var (name, node) = Kind switch
        {
            ApiKind.ChatCompletions => ("messages", Body["messages"]),
            ApiKind.Completions => ("prompt", Body["prompt"]),
            _ => ("input", Body["input"]),
        };

        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            error = RequestError.Invalid($"'{name}' is a required property.", name, "missing_required_parameter");
            return false;
        }

        if (Kind == ApiKind.ChatCompletions)
        {
            if (node is not JsonArray messages || messages.Count == 0)
            {
                error = RequestError.Invalid("'messages' must be a non-empty array.", "messages", "invalid_type");
                return false;
            }

            var tokens = 0;
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i] is not JsonObject message || message["role"]?.GetValueKind() != JsonValueKind.String)
                {
                    error = RequestError.Invalid($"'messages[{i}]' must be an object with a string 'role'.", $"messages[{i}]", "invalid_type");
                    return false;
                }

                tokens += TokensPerMessage + CountTokens(message["content"]);
            }

            PromptTokenEstimate = tokens;
            return true;
        }

        var kind = node.GetValueKind();
        if (kind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            error = RequestError.Invalid($"'{name}' must be a string or an array.", name, "invalid_type");
            return false;
        }

        PromptTokenEstimate = CountTokens(node);
        return true;
    }

    /// <summary>Estimated tokens in a prompt value: text, arrays of text or content parts, or token id arrays.</summary>
    private static int CountTokens(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return 0;
            case JsonArray array:
                var total = 0;
                foreach (var item in array)
                {
                    // A number in a prompt array is a token id: one token each.
                    total += item?.GetValueKind() == JsonValueKind.Number ? 1 : CountTokens(item);
                }

                return total;
            case JsonObject part:
                return CountTokens(part["text"]);
            default:
                return node.GetValueKind() == JsonValueKind.String ? TokenEstimator.Estimate(node.GetValue<string>()) : 0;
        }
    }
}
