using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Core.Energy;

namespace GreenGateway.Core.Requests;

/// <summary>
/// The Responses API's request (<c>POST /v1/responses</c>), read into the same typed request as a chat completion: the
/// instructions become a system message, every input item a chat message (text parts joined, function calls and their
/// outputs as tool calls and tool messages), <c>max_output_tokens</c> the completion limit. So admission, the cascade,
/// the cache, budgets and settlement treat both APIs alike.
/// </summary>
public sealed partial class OpenAiRequest
{
    /// <summary>The most <c>metadata</c> pairs OpenAI's API accepts.</summary>
    public const int MaxMetadataPairs = 16;

    /// <summary>Set for a Responses API request: what it says beyond messages and parameters.</summary>
    public ResponsesFields? Responses { get; init; }

    /// <summary>
    /// This request continued from a stored conversation: its items (<paramref name="history"/>, validated when they were
    /// stored) before this request's input, and no <c>previous_response_id</c>, so that the request reads, is priced and
    /// is forwarded as the whole conversation. False with a 400 when the conversation outgrows <paramref name="maxBytes"/>.
    /// </summary>
    public bool TryContinue(JsonArray history, long maxBytes, out OpenAiRequest? continued, out RequestError? error)
    {
        continued = null;
        var previous = Responses?.PreviousResponseId ?? throw new InvalidOperationException("Only a Responses request with previous_response_id continues.");
        var body = UpstreamBody.DeepClone().AsObject();
        body.Remove("previous_response_id");
        var input = new JsonArray();
        foreach (var item in history)
        {
            input.Add(item?.DeepClone());
        }

        foreach (var item in Responses.Input)
        {
            input.Add(item?.DeepClone());
        }

        body["input"] = input;
        var size = JsonSerializer.SerializeToUtf8Bytes(body).LongLength;
        if (size > maxBytes)
        {
            error = new RequestError(400, $"The conversation continued from '{previous}' is {size} bytes with this input, more than the gateway accepts ({maxBytes} bytes).",
                "invalid_request_error", "previous_response_id", "conversation_too_large");
            return false;
        }

        var fields = new FieldReader(body);
        var parsed = ParseResponses(fields);
        error = fields.Error;
        if (parsed is null || error is not null)
        {
            error ??= RequestError.Invalid("The stored conversation could not be read.", "previous_response_id");
            return false;
        }

        continued = new OpenAiRequest
        {
            Kind = parsed.Kind,
            Model = parsed.Model,
            Messages = parsed.Messages,
            Parameters = parsed.Parameters,
            Stream = parsed.Stream,
            ClientWantsStreamUsage = parsed.ClientWantsStreamUsage,
            MaxTokens = parsed.MaxTokens,
            PromptTokenEstimate = parsed.PromptTokenEstimate,
            PromptTokenBound = parsed.PromptTokenBound,
            UpstreamBody = parsed.UpstreamBody,
            Responses = parsed.Responses! with { ContinuedFrom = previous },
        };
        return true;
    }

    private static OpenAiRequest? ParseResponses(FieldReader f)
    {
        var model = f.RequiredString("model");
        var instructions = f.String("instructions", allowEmpty: true);
        var (input, messages, estimate, bound) = ReadInput(f, instructions);
        var stream = f.Bool("stream") == true;
        f.OfKind("stream_options", JsonValueKind.Object);
        var temperature = f.Number("temperature", 0, 2);
        var topP = f.Number("top_p", 0, 1);
        var max = f.Int("max_output_tokens", 0, int.MaxValue);
        var logprobs = f.Int("top_logprobs", 0, 20) is > 0;
        var metadata = ReadMetadata(f);
        var store = f.Bool("store") ?? true;
        var previous = f.String("previous_response_id");
        var (tools, toolChoice) = ReadResponseTools(f);
        var parallel = f.Bool("parallel_tool_calls");
        var text = ReadTextFormat(f);
        f.OfKind("reasoning", JsonValueKind.Object);
        f.Int("max_tool_calls", 1, int.MaxValue);
        var user = f.String("user");
        f.String("safety_identifier");
        f.String("prompt_cache_key");
        f.String("service_tier");
        StringItems(f, "include");
        var truncation = f.String("truncation");
        if (truncation is not (null or "auto" or "disabled"))
        {
            f.Fail(RequestError.Invalid($"'truncation' is '{truncation}'; it must be 'auto' or 'disabled'.", "truncation", "invalid_value"));
        }

        if (f.Bool("background") == true)
        {
            f.Fail(RequestError.Invalid("The gateway answers in the foreground; 'background' must be false.", "background", "unsupported_value"));
        }

        if (f.Body["conversation"] is { } conversation && conversation.GetValueKind() != JsonValueKind.Null)
        {
            f.Fail(RequestError.Invalid("The gateway continues conversations by 'previous_response_id'; 'conversation' is not supported.", "conversation", "unsupported_parameter"));
        }

        if (f.Error is not null)
        {
            return null;
        }

        var schema = text?["format"] is JsonObject { } f2 && f2["type"]?.GetValue<string>() != "text" ? f2 : null;
        var format = schema?.ToJsonString();

        // The model reads the tool definitions and the output schema too: an honest input_tokens counts them.
        bound += DefinitionsBound(tools, toolChoice, schema);
        return new OpenAiRequest
        {
            Kind = ApiKind.Responses,
            Model = model!,
            Messages = messages!,
            Parameters = new GenerationParameters
            {
                Temperature = temperature,
                TopP = topP,
                LogProbs = logprobs,
                ToolsJson = tools is { Count: > 0 } || toolChoice is not null ? $"{tools?.ToJsonString()}|{toolChoice?.ToJsonString()}" : null,
                ResponseFormatJson = format,
            },
            Stream = stream,

            // A Responses stream always ends with its usage (response.completed).
            ClientWantsStreamUsage = stream,
            MaxTokens = max,
            PromptTokenEstimate = estimate,
            PromptTokenBound = bound,
            UpstreamBody = f.Body,
            Responses = new ResponsesFields
            {
                Input = input!,
                Instructions = instructions,
                PreviousResponseId = previous,
                Store = store,
                Tools = tools,
                ToolChoice = toolChoice,
                Text = text,
                Metadata = metadata,
                ParallelToolCalls = parallel,
                User = user,
                Truncation = truncation,
            },
        };
    }

    /// <summary>
    /// <c>input</c>: a string (one user message) or a non-empty array of items, each read into chat messages. Consecutive
    /// function calls become one assistant message with several tool calls, as chat completions express parallel calls.
    /// </summary>
    private static (JsonArray? Items, List<ChatMessage>? Messages, int Estimate, long Bound) ReadInput(FieldReader f, string? instructions)
    {
        var node = f.Body["input"];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            f.Fail(RequestError.Invalid("'input' is a required property.", "input", "missing_required_parameter"));
            return (null, null, 0, 0);
        }

        var messages = new List<ChatMessage>();
        long estimate = 0;
        long bound = 64;
        if (!string.IsNullOrEmpty(instructions))
        {
            messages.Add(ChatMessage.OfText(ChatRoles.System, instructions));
            estimate += TokensPerMessage + TokenEstimator.Estimate(instructions);
            bound += 16 + Encoding.UTF8.GetByteCount(instructions);
        }

        JsonArray items;
        switch (node.GetValueKind())
        {
            case JsonValueKind.String:
                items = [UserMessageItem(node.GetValue<string>())];
                break;
            case JsonValueKind.Array when node.AsArray().Count > 0:
                items = node.AsArray();
                break;
            default:
                f.Fail(RequestError.Invalid("'input' must be a string or a non-empty array of input items.", "input", "invalid_type"));
                return (null, null, 0, 0);
        }

        JsonArray? pendingCalls = null;
        for (var i = 0; i < items.Count && f.Error is null; i++)
        {
            var path = $"input[{i}]";
            if (items[i] is not JsonObject item)
            {
                f.Fail(RequestError.Invalid($"'{path}' must be an object.", path, "invalid_type"));
                break;
            }

            var fields = f.Nested(item, path);
            var type = fields.String("type") ?? (item["role"] is not null ? "message" : null);
            if (type != "function_call" && pendingCalls is not null)
            {
                messages.Add(ToolCallsMessage(pendingCalls));
                pendingCalls = null;
            }

            switch (type)
            {
                case "message":
                    if (ReadInputMessage(fields, item, path, ref bound) is { } message)
                    {
                        messages.Add(message);
                        estimate += TokensPerMessage + TokenEstimator.Estimate(message.Text ?? "");
                        bound += 16;
                    }

                    break;
                case "function_call":
                    var callId = fields.RequiredString("call_id");
                    var name = fields.RequiredString("name");
                    var arguments = fields.String("arguments", allowEmpty: true) ?? RequiredMissing(fields, path, "arguments");
                    if (f.Error is null)
                    {
                        pendingCalls ??= [];
                        pendingCalls.Add(new JsonObject
                        {
                            ["id"] = callId,
                            ["type"] = "function",
                            ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
                        });
                        estimate += TokensPerMessage + TokenEstimator.Estimate(name!) + TokenEstimator.Estimate(arguments!);
                        bound += 16 + Encoding.UTF8.GetByteCount(name!) + Encoding.UTF8.GetByteCount(arguments!);
                    }

                    break;
                case "function_call_output":
                    var outputId = fields.RequiredString("call_id");
                    var output = fields.String("output", allowEmpty: true) ?? RequiredMissing(fields, path, "output");
                    if (f.Error is null)
                    {
                        var json = new JsonObject { ["role"] = ChatRoles.Tool, ["tool_call_id"] = outputId, ["content"] = output }.ToJsonString();
                        messages.Add(new ChatMessage(ChatRoles.Tool, output, false, json));
                        estimate += TokensPerMessage + TokenEstimator.Estimate(output!);
                        bound += 16 + Encoding.UTF8.GetByteCount(output!);
                    }

                    break;
                case null:
                    f.Fail(RequestError.Invalid($"'{path}' must have a string 'type' (or a 'role' for a message).", $"{path}.type", "missing_required_parameter"));
                    break;
                default:
                    f.Fail(RequestError.Invalid($"'{path}.type' is '{type}'; the gateway reads message, function_call and function_call_output items.",
                        $"{path}.type", "invalid_value"));
                    break;
            }
        }

        if (pendingCalls is not null)
        {
            messages.Add(ToolCallsMessage(pendingCalls));
        }

        return (items, messages, (int)Math.Min(estimate, int.MaxValue), bound);

        static string? RequiredMissing(FieldReader fields, string path, string name)
        {
            fields.Fail(RequestError.Invalid($"'{path}.{name}' is a required property.", $"{path}.{name}", "missing_required_parameter"));
            return null;
        }

        static ChatMessage ToolCallsMessage(JsonArray calls) =>
            new(ChatRoles.Assistant, null, true, new JsonObject { ["role"] = ChatRoles.Assistant, ["content"] = null, ["tool_calls"] = calls }.ToJsonString());
    }

    /// <summary>One user message item with one text part: what a string input stands for.</summary>
    public static JsonObject UserMessageItem(string text) => new()
    {
        ["type"] = "message",
        ["role"] = ChatRoles.User,
        ["content"] = new JsonArray(new JsonObject { ["type"] = "input_text", ["text"] = text }),
    };

    /// <summary>A message item: a role of the Responses API and a string content or parts, read into a chat message.</summary>
    private static ChatMessage? ReadInputMessage(FieldReader fields, JsonObject item, string path, ref long bound)
    {
        var role = fields.RequiredString("role");
        if (role is not null && role is not (ChatRoles.User or ChatRoles.Assistant or ChatRoles.System or ChatRoles.Developer))
        {
            fields.Fail(RequestError.Invalid($"'{path}.role' is '{role}'; it must be one of user, assistant, system, developer.", $"{path}.role", "invalid_value"));
            return null;
        }

        var content = item["content"];
        var contentPath = $"{path}.content";
        switch (content?.GetValueKind())
        {
            case JsonValueKind.String:
                var text = content.GetValue<string>();
                bound += Encoding.UTF8.GetByteCount(text);
                return role is null ? null : ChatMessage.OfText(role, text);
            case JsonValueKind.Array:
                var parts = content.AsArray();
                var chatParts = new JsonArray();
                var joined = new StringBuilder();
                var allText = true;
                for (var i = 0; i < parts.Count && fields.Error is null; i++)
                {
                    var partPath = $"{contentPath}[{i}]";
                    if (parts[i] is not JsonObject part)
                    {
                        fields.Fail(RequestError.Invalid($"'{partPath}' must be an object with a string 'type'.", partPath, "invalid_type"));
                        return null;
                    }

                    var partFields = fields.Nested(part, partPath);
                    if (ReadInputPart(partFields, part, partPath, role, ref bound, joined) is { } chatPart)
                    {
                        allText &= chatPart["type"]!.GetValue<string>() == "text";
                        chatParts.Add(chatPart);
                    }
                }

                if (fields.Error is not null || role is null)
                {
                    return null;
                }

                var json = new JsonObject { ["role"] = role, ["content"] = chatParts }.ToJsonString();
                return new ChatMessage(role, allText ? joined.ToString() : null, false, json);
            case null or JsonValueKind.Null:
                fields.Fail(RequestError.Invalid($"'{contentPath}' is a required property.", contentPath, "missing_required_parameter"));
                return null;
            default:
                fields.Fail(RequestError.Invalid($"'{contentPath}' must be a string or an array of content parts.", contentPath, "invalid_type"));
                return null;
        }
    }

    /// <summary>One content part, as the chat completions part it translates to; null (with the error kept) when invalid.</summary>
    private static JsonObject? ReadInputPart(FieldReader part, JsonObject node, string path, string? role, ref long bound, StringBuilder joined)
    {
        var type = part.RequiredString("type");

        // As OpenAI's API: an assistant's parts are its output (output_text, refusal); everyone else's are input parts.
        var assistant = role == ChatRoles.Assistant;
        switch (type)
        {
            case "input_text" when !assistant:
            case "output_text" when assistant:
                return ReadTextPart(part, node, path, ref bound, joined) is { } text ? new JsonObject { ["type"] = "text", ["text"] = text } : null;
            case "refusal" when assistant:
                var refusal = part.String("refusal", allowEmpty: true) ?? "";
                bound += Encoding.UTF8.GetByteCount(refusal);
                return new JsonObject { ["type"] = "refusal", ["refusal"] = refusal };
            case "input_image" when !assistant:
                var url = part.String("image_url");
                var detail = part.String("detail");
                if (url is null && part.Error is null)
                {
                    part.Fail(RequestError.Invalid($"'{path}.image_url' is required: the gateway takes images by URL or data URL.", $"{path}.image_url", "missing_required_parameter"));
                }

                bound += TokensPerMediaPart;
                var image = new JsonObject { ["url"] = url };
                if (detail is not null)
                {
                    image["detail"] = detail;
                }

                return part.Error is null ? new JsonObject { ["type"] = "image_url", ["image_url"] = image } : null;
            case "input_file" when !assistant:
                var file = new JsonObject();
                foreach (var name in (ReadOnlySpan<string>)["file_id", "file_data", "filename"])
                {
                    if (part.String(name) is { } value)
                    {
                        file[name] = value;
                    }
                }

                bound += TokensPerMediaPart;
                return part.Error is null ? new JsonObject { ["type"] = "file", ["file"] = file } : null;
            case "input_audio" when !assistant:
                var audio = part.OfKind("input_audio", JsonValueKind.Object);
                bound += TokensPerMediaPart;
                return part.Error is null ? new JsonObject { ["type"] = "input_audio", ["input_audio"] = audio?.DeepClone() } : null;
            case null:
                return null;
            default:
                part.Fail(RequestError.Invalid(
                    $"'{path}.type' is '{type}'; {(assistant ? "an assistant's part must be output_text or refusal" : $"a {role ?? "message"} part must be input_text, input_image, input_file or input_audio")}.",
                    $"{path}.type", "invalid_value"));
                return null;
        }
    }

    private static JsonObject? ReadMetadata(FieldReader f)
    {
        if (f.OfKind("metadata", JsonValueKind.Object) is not JsonObject metadata)
        {
            return null;
        }

        if (metadata.Count > MaxMetadataPairs)
        {
            f.Fail(RequestError.Invalid($"'metadata' has {metadata.Count} pairs; at most {MaxMetadataPairs} are allowed.", "metadata", "invalid_value"));
            return null;
        }

        foreach (var (key, value) in metadata)
        {
            if (value?.GetValueKind() != JsonValueKind.String)
            {
                f.Fail(RequestError.Invalid($"'metadata.{key}' must be a string.", $"metadata.{key}", "invalid_type"));
                return null;
            }
        }

        return metadata;
    }

    /// <summary><c>tools</c> (objects with a string type; a function tool needs a name) and <c>tool_choice</c>.</summary>
    private static (JsonArray? Tools, JsonNode? Choice) ReadResponseTools(FieldReader f)
    {
        var tools = f.OfKind("tools", JsonValueKind.Array) as JsonArray;
        for (var i = 0; tools is not null && i < tools.Count && f.Error is null; i++)
        {
            var path = $"tools[{i}]";
            if (tools[i] is not JsonObject tool)
            {
                f.Fail(RequestError.Invalid($"'{path}' must be an object.", path, "invalid_type"));
                break;
            }

            var fields = f.Nested(tool, path);
            if (fields.RequiredString("type") == "function")
            {
                fields.RequiredString("name");
                fields.String("description", allowEmpty: true);
                fields.OfKind("parameters", JsonValueKind.Object);
                fields.Bool("strict");
            }
        }

        var choice = f.Body["tool_choice"];
        switch (choice?.GetValueKind())
        {
            case null or JsonValueKind.Null:
                return (tools, null);
            case JsonValueKind.String when choice.GetValue<string>() is "none" or "auto" or "required":
                return (tools, choice);
            case JsonValueKind.Object when choice["type"]?.GetValueKind() == JsonValueKind.String:
                return (tools, choice);
            default:
                f.Fail(RequestError.Invalid("'tool_choice' must be 'none', 'auto', 'required' or an object with a string 'type'.", "tool_choice", "invalid_value"));
                return (null, null);
        }
    }

    /// <summary><c>text</c>: an object whose <c>format</c>, when given, is text, json_object, or json_schema with a name and a schema.</summary>
    private static JsonObject? ReadTextFormat(FieldReader f)
    {
        if (f.OfKind("text", JsonValueKind.Object) is not JsonObject text)
        {
            return null;
        }

        var fields = f.Nested(text, "text");
        fields.String("verbosity");
        if (fields.OfKind("format", JsonValueKind.Object) is not JsonObject format)
        {
            return f.Error is null ? text : null;
        }

        var formatFields = fields.Nested(format, "text.format");
        switch (formatFields.RequiredString("type"))
        {
            case "text" or "json_object":
                break;
            case "json_schema":
                formatFields.RequiredString("name");
                if (formatFields.OfKind("schema", JsonValueKind.Object) is null && f.Error is null)
                {
                    f.Fail(RequestError.Invalid("'text.format.schema' is a required property.", "text.format.schema", "missing_required_parameter"));
                }

                formatFields.String("description", allowEmpty: true);
                formatFields.Bool("strict");
                break;
            case { } other:
                f.Fail(RequestError.Invalid($"'text.format.type' is '{other}'; it must be text, json_object or json_schema.", "text.format.type", "invalid_value"));
                break;
        }

        return f.Error is null ? text : null;
    }

    /// <summary>An array of strings, when given.</summary>
    private static void StringItems(FieldReader f, string name)
    {
        if (f.OfKind(name, JsonValueKind.Array) is not JsonArray items)
        {
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i]?.GetValueKind() != JsonValueKind.String)
            {
                f.Fail(RequestError.Invalid($"'{name}[{i}]' must be a string.", $"{name}[{i}]", "invalid_type"));
                return;
            }
        }
    }
}
