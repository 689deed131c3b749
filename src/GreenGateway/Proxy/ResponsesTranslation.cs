using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Answers;
using GreenGateway.Core.Requests;

namespace GreenGateway.Proxy;

/// <summary>
/// A Responses API request for an upstream that serves only chat completions: the request as the chat completion it
/// reads as (its messages, parameters, function tools and text format in chat's shapes), and the chat answer back as the
/// answer's content. What chat completions cannot express (built-in tools such as web search) is a 400.
/// </summary>
internal static class ResponsesTranslation
{
    /// <summary>The chat completions body for <paramref name="request"/>, or the 400 that says why there is none.</summary>
    public static bool TryChatBody(OpenAiRequest request, string upstreamModel, out JsonObject? body, out RequestError? error)
    {
        var fields = request.Responses!;
        body = null;
        var messages = new JsonArray();
        foreach (var message in request.Messages)
        {
            messages.Add(JsonNode.Parse(message.Json));
        }

        var chat = new JsonObject { ["model"] = upstreamModel, ["messages"] = messages };
        if (request.Stream)
        {
            chat["stream"] = true;
            chat["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        Set(chat, "max_completion_tokens", request.MaxTokens);
        Set(chat, "temperature", request.Parameters.Temperature);
        Set(chat, "top_p", request.Parameters.TopP);
        if (fields.Tools is { Count: > 0 } tools)
        {
            var chatTools = new JsonArray();
            for (var i = 0; i < tools.Count; i++)
            {
                var tool = tools[i]!.AsObject();
                if (tool["type"]!.GetValue<string>() != "function")
                {
                    error = RequestError.Invalid(
                        $"'tools[{i}].type' is '{tool["type"]}'; the upstream of this model serves chat completions, which take function tools only.",
                        $"tools[{i}].type", "unsupported_value");
                    return false;
                }

                var function = new JsonObject { ["name"] = tool["name"]!.DeepClone() };
                foreach (var name in (ReadOnlySpan<string>)["description", "parameters", "strict"])
                {
                    if (tool[name] is { } value && value.GetValueKind() != JsonValueKind.Null)
                    {
                        function[name] = value.DeepClone();
                    }
                }

                chatTools.Add(new JsonObject { ["type"] = "function", ["function"] = function });
            }

            chat["tools"] = chatTools;
        }

        switch (fields.ToolChoice)
        {
            case null:
                break;
            case JsonValue choice:
                chat["tool_choice"] = choice.DeepClone();
                break;
            case JsonObject choice when choice["type"]!.GetValue<string>() == "function" && choice["name"]?.GetValueKind() == JsonValueKind.String:
                chat["tool_choice"] = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice["name"]!.DeepClone() } };
                break;
            default:
                error = RequestError.Invalid("'tool_choice' names a kind of tool chat completions cannot call; the upstream of this model serves chat completions only.",
                    "tool_choice", "unsupported_value");
                return false;
        }

        if (fields.ParallelToolCalls is { } parallel && fields.Tools is { Count: > 0 })
        {
            chat["parallel_tool_calls"] = parallel;
        }

        if (fields.Text?["format"] is JsonObject format && format["type"]!.GetValue<string>() is { } type && type != "text")
        {
            chat["response_format"] = type == "json_object"
                ? new JsonObject { ["type"] = "json_object" }
                : new JsonObject { ["type"] = "json_schema", ["json_schema"] = JsonSchemaOf(format) };
        }

        if (fields.User is { } user)
        {
            chat["user"] = user;
        }

        body = chat;
        error = null;
        return true;

        static JsonObject JsonSchemaOf(JsonObject format)
        {
            var schema = new JsonObject();
            foreach (var (name, value) in format)
            {
                if (name != "type")
                {
                    schema[name] = value?.DeepClone();
                }
            }

            return schema;
        }
    }

    /// <summary>A chat completion's first choice as an answer's content: its text, tool calls and finish reason.</summary>
    public static AnswerContent ReadChatAnswer(JsonElement root, string model)
    {
        var text = "";
        string? finish = null;
        var calls = new List<ToolCall>();
        if (root.TryGetProperty("choices"u8, out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0] is { ValueKind: JsonValueKind.Object } choice)
        {
            if (choice.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object)
            {
                text = message.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()! : "";
                if (message.TryGetProperty("tool_calls"u8, out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in toolCalls.EnumerateArray())
                    {
                        if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function"u8, out var function) && function.ValueKind == JsonValueKind.Object)
                        {
                            calls.Add(new ToolCall(StringOf(call, "id"u8) ?? $"call_{calls.Count}", StringOf(function, "name"u8) ?? "", StringOf(function, "arguments"u8) ?? ""));
                        }
                    }
                }
            }

            finish = StringOf(choice, "finish_reason"u8);
        }

        return new AnswerContent(model, text, finish, calls);
    }

    private static string? StringOf(JsonElement element, ReadOnlySpan<byte> name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void Set<T>(JsonObject body, string name, T? value)
        where T : struct
    {
        if (value is { } v)
        {
            body[name] = JsonValue.Create(v);
        }
    }

    /// <summary>
    /// Assembles a chat completions stream's pieces into the answer's content: the text, the tool calls from their deltas
    /// (each call's id and name arrive once, its arguments in pieces, all by the call's index), the finish reason.
    /// </summary>
    internal sealed class StreamedAnswer
    {
        private readonly StringBuilder _text = new();
        private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _calls = [];

        public string? FinishReason { get; private set; }

        public string Text => _text.ToString();

        public bool HasToolCalls => _calls.Count > 0;

        /// <summary>Reads one chunk's first choice; returns its new text (empty when none).</summary>
        public string Add(JsonElement chunk)
        {
            if (!chunk.TryGetProperty("choices"u8, out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
                || choices[0] is not { ValueKind: JsonValueKind.Object } choice)
            {
                return "";
            }

            if (StringOf(choice, "finish_reason"u8) is { } finish)
            {
                FinishReason = finish;
            }

            if (!choice.TryGetProperty("delta"u8, out var delta) || delta.ValueKind != JsonValueKind.Object)
            {
                return "";
            }

            if (delta.TryGetProperty("tool_calls"u8, out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in toolCalls.EnumerateArray())
                {
                    if (call.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    var index = call.TryGetProperty("index"u8, out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out var n) ? n : _calls.Count;
                    var entry = _calls.TryGetValue(index, out var known) ? known : (null, null, new StringBuilder());
                    entry.Id ??= StringOf(call, "id"u8);
                    if (call.TryGetProperty("function"u8, out var function) && function.ValueKind == JsonValueKind.Object)
                    {
                        entry.Name ??= StringOf(function, "name"u8);
                        entry.Arguments.Append(StringOf(function, "arguments"u8));
                    }

                    _calls[index] = entry;
                }
            }

            var text = StringOf(delta, "content"u8) ?? "";
            _text.Append(text);
            return text;
        }

        public AnswerContent Content(string model)
        {
            var calls = new List<ToolCall>(_calls.Count);
            foreach (var (index, call) in _calls)
            {
                calls.Add(new ToolCall(call.Id ?? $"call_{index}", call.Name ?? "", call.Arguments.ToString()));
            }

            return new AnswerContent(model, Text, FinishReason ?? "stop", calls);
        }
    }
}
