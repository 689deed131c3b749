using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Requests;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Draft;

/// <summary>
/// A chat request as the draft can take it: text messages (system, user, assistant) and nothing the draft
/// cannot honour (tools, response formats, stop strings, several choices, log-probabilities).
/// </summary>
internal static class ChatPrompt
{
    private static readonly string[] Unsupported = ["tools", "functions", "tool_choice", "response_format", "stop", "logprobs", "top_logprobs", "logit_bias", "n", "presence_penalty", "frequency_penalty"];

    /// <summary>The messages of <paramref name="request"/>, or null when the draft must leave it to the large model.</summary>
    public static List<ChatMessage>? Messages(OpenAiRequest request)
    {
        if (request.Kind != ApiKind.ChatCompletions || request.Choices != 1 || request.Body["messages"] is not JsonArray { Count: > 0 } array)
        {
            return null;
        }

        foreach (var key in Unsupported)
        {
            if (request.Body[key] is { } value && !(key == "n" && value.GetValueKind() == JsonValueKind.Number && value.GetValue<int>() == 1)
                && !(key == "logprobs" && value.GetValueKind() == JsonValueKind.False))
            {
                return null;
            }
        }

        var messages = new List<ChatMessage>(array.Count);
        foreach (var node in array)
        {
            if (node is not JsonObject message || message["role"]?.GetValue<string>() is not ("system" or "user" or "assistant") || message["tool_calls"] is not null)
            {
                return null;
            }

            var text = message["content"] switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonArray parts => TextOf(parts),
                _ => null,
            };
            if (text is null)
            {
                return null;
            }

            messages.Add(new ChatMessage(message["role"]!.GetValue<string>(), text));
        }

        return messages[^1].Role == "user" ? messages : null;
    }

    private static string? TextOf(JsonArray parts)
    {
        var text = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (part?["type"]?.GetValue<string>() != "text" || part["text"]?.GetValue<string>() is not { } piece)
            {
                return null;
            }

            text.Append(piece);
        }

        return text.ToString();
    }
}
