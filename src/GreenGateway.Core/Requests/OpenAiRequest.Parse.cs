using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using GreenGateway.Core.Energy;

namespace GreenGateway.Core.Requests;

public sealed partial class OpenAiRequest
{
    /// <summary>Largest <c>n</c> accepted, as OpenAI's API documents for chat completions.</summary>
    public const int MaxChoices = 128;

    /// <summary>Prompt tokens allowed per non-text content part (an image, audio) when bounding reported counts.</summary>
    private const int TokensPerMediaPart = 16_384;

    /// <summary>Prompt tokens allowed per tool definition (or output schema) for the template's markers around it, as <c>bound += 16</c> per message.</summary>
    private const int TokensPerDefinition = 16;

    /// <summary>
    /// Parses and validates a body. Returns false with an OpenAI-style 400 error naming the field when it is not
    /// acceptable; never throws for any input.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, ApiKind kind, out OpenAiRequest? request, out RequestError? error)
    {
        request = null;
        if (!TryReadObject(utf8, out var body, out error))
        {
            return false;
        }

        var fields = new FieldReader(body!);
        request = kind switch
        {
            ApiKind.ChatCompletions => ParseChat(fields),
            ApiKind.Completions => ParseCompletions(fields),
            ApiKind.Embeddings => ParseEmbeddings(fields),
            ApiKind.Responses => ParseResponses(fields),
            _ => null,
        };

        error = fields.Error;
        if (error is not null || request is null)
        {
            error ??= RequestError.Invalid($"The gateway does not parse {kind} bodies here.");
            request = null;
            return false;
        }

        return true;
    }

    /// <summary>The body as a JSON object when it is one (with <see cref="TryReadObject"/>'s checks); never throws.</summary>
    public static bool TryReadJsonObject(ReadOnlySpan<byte> utf8, out JsonObject? body) => TryReadObject(utf8, out body, out _);

    /// <summary>
    /// The body as a JSON object, after the checks <c>JsonNode</c> leaves to its first read (which would throw, a 500):
    /// the bytes are UTF-8, escapes decode to valid UTF-16 (no lone surrogates), no member is given twice.
    /// </summary>
    internal static bool TryReadObject(ReadOnlySpan<byte> utf8, out JsonObject? body, out RequestError? error)
    {
        body = null;
        if (!Utf8.IsValid(utf8))
        {
            error = RequestError.Invalid("The request body is not valid UTF-8.", code: "invalid_encoding");
            return false;
        }

        if (!ScanEscapes(utf8, out error))
        {
            return false;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            error = RequestError.Invalid($"The request body is not valid JSON: {e.Message}", code: "invalid_json");
            return false;
        }

        if (root is not JsonObject obj)
        {
            error = RequestError.Invalid("The request body must be a JSON object.", code: "invalid_json");
            return false;
        }

        body = obj;
        error = null;
        return true;
    }

    /// <summary>One pass of the reader: syntax, depth, and every escaped string decoded once (lone surrogates are refused).</summary>
    private static bool ScanEscapes(ReadOnlySpan<byte> utf8, out RequestError? error)
    {
        error = null;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }

            return true;
        }
        catch (JsonException e)
        {
            error = RequestError.Invalid($"The request body is not valid JSON: {e.Message}", code: "invalid_json");
        }
        catch (InvalidOperationException)
        {
            error = RequestError.Invalid("The request body holds a \\u escape that is not valid UTF-16 (a lone surrogate).", code: "invalid_encoding");
        }

        return false;
    }

    private static OpenAiRequest? ParseChat(FieldReader f)
    {
        var model = f.RequiredString("model");
        var (messages, estimate, bound) = ReadMessages(f);
        var (stream, includeUsage) = ReadStream(f);
        var parameters = ReadParameters(f, chatLogprobs: true);
        var max = f.Int("max_completion_tokens", 0, int.MaxValue) ?? f.Int("max_tokens", 0, int.MaxValue);
        var n = f.Int("n", 1, MaxChoices) ?? 1;
        f.Bool("parallel_tool_calls");
        f.OfKind("metadata", JsonValueKind.Object);
        f.Bool("store");
        f.String("user");
        f.String("reasoning_effort");
        if (f.Error is not null)
        {
            return null;
        }

        bound += DefinitionsBound(f.Body["tools"], f.Body["functions"], f.Body["tool_choice"], f.Body["function_call"], f.Body["response_format"]);
        return new OpenAiRequest
        {
            Kind = ApiKind.ChatCompletions,
            Model = model!,
            Messages = messages!,
            Parameters = parameters,
            Stream = stream,
            ClientWantsStreamUsage = includeUsage,
            MaxTokens = max,
            Choices = n,
            PromptTokenEstimate = estimate,
            PromptTokenBound = bound,
            UpstreamBody = f.Body,
        };
    }

    private static OpenAiRequest? ParseCompletions(FieldReader f)
    {
        var model = f.RequiredString("model");
        var (texts, estimate, bound) = ReadPrompt(f, "prompt");
        var (stream, includeUsage) = ReadStream(f);
        var parameters = ReadParameters(f, chatLogprobs: false);
        var max = f.Int("max_tokens", 0, int.MaxValue);
        var n = f.Int("n", 1, MaxChoices) ?? 1;
        var bestOf = f.Int("best_of", 1, MaxChoices);
        f.Bool("echo");
        f.String("suffix", allowEmpty: true);
        f.String("user");
        if (f.Error is not null)
        {
            return null;
        }

        return new OpenAiRequest
        {
            Kind = ApiKind.Completions,
            Model = model!,
            PromptTexts = texts!,
            Parameters = parameters,
            Stream = stream,
            ClientWantsStreamUsage = includeUsage,
            MaxTokens = max,

            // best_of candidates are generated and n returned: the upstream computes the larger.
            Choices = Math.Max(n, bestOf ?? 1),
            PromptTokenEstimate = estimate,
            PromptTokenBound = bound,
            UpstreamBody = f.Body,
        };
    }

    private static OpenAiRequest? ParseEmbeddings(FieldReader f)
    {
        var model = f.RequiredString("model");
        var (_, estimate, bound) = ReadPrompt(f, "input");
        if (f.Bool("stream") == true)
        {
            f.Fail(RequestError.Invalid("Embeddings cannot be streamed.", "stream"));
        }

        if (f.String("encoding_format") is { } format && format is not ("float" or "base64"))
        {
            f.Fail(RequestError.Invalid("'encoding_format' must be 'float' or 'base64'.", "encoding_format", "invalid_value"));
        }

        f.Int("dimensions", 1, int.MaxValue);
        f.String("user");
        if (f.Error is not null)
        {
            return null;
        }

        return new OpenAiRequest
        {
            Kind = ApiKind.Embeddings,
            Model = model!,
            PromptTokenEstimate = estimate,
            PromptTokenBound = bound,
            UpstreamBody = f.Body,
        };
    }

    /// <summary>
    /// Prompt tokens the model reads besides the messages' text: the chat template renders tool (or function) definitions,
    /// a named tool choice, the output schema and an assistant's earlier tool calls into the prompt, so an honest
    /// <c>prompt_tokens</c> (or <c>input_tokens</c>) counts them. Each adds
    /// the UTF-8 bytes of its JSON (a byte-level BPE token holds at least one byte, as for the messages) and each
    /// definition <see cref="TokensPerDefinition"/> for the template's markers around it. Absent or null members add nothing.
    /// </summary>
    internal static long DefinitionsBound(params ReadOnlySpan<JsonNode?> definitions)
    {
        var bound = 0L;
        foreach (var node in definitions)
        {
            if (node is null || node.GetValueKind() == JsonValueKind.Null)
            {
                continue;
            }

            bound += Encoding.UTF8.GetByteCount(node.ToJsonString());
            bound += node is JsonArray items ? (long)TokensPerDefinition * items.Count : TokensPerDefinition;
        }

        return bound;
    }

    private static (bool Stream, bool IncludeUsage) ReadStream(FieldReader f)
    {
        var stream = f.Bool("stream") == true;
        var includeUsage = false;
        if (f.OfKind("stream_options", JsonValueKind.Object) is JsonObject options)
        {
            includeUsage = f.Nested(options, "stream_options").Bool("include_usage") == true;
        }

        return (stream, includeUsage);
    }

    private static GenerationParameters ReadParameters(FieldReader f, bool chatLogprobs)
    {
        var temperature = f.Number("temperature", 0, 2);
        var topP = f.Number("top_p", 0, 1);
        var seed = f.Long("seed");
        var presence = f.Number("presence_penalty", -2, 2);
        var frequency = f.Number("frequency_penalty", -2, 2);
        var stop = ReadStop(f);
        bool logprobs;
        if (chatLogprobs)
        {
            logprobs = f.Bool("logprobs") == true;
            logprobs |= f.Int("top_logprobs", 0, 20) is > 0;
        }
        else
        {
            logprobs = f.Int("logprobs", 0, 20) is not null;
        }

        var biases = f.OfKind("logit_bias", JsonValueKind.Object) as JsonObject;
        var bias = biases is { Count: > 0 };
        if (biases is not null)
        {
            foreach (var (token, value) in biases)
            {
                if (value?.GetValueKind() != JsonValueKind.Number)
                {
                    f.Fail(RequestError.Invalid($"'logit_bias.{token}' must be a number.", $"logit_bias.{token}", "invalid_type"));
                }
            }
        }

        var tools = f.OfKind("tools", JsonValueKind.Array) as JsonArray;
        var functions = f.OfKind("functions", JsonValueKind.Array) as JsonArray;
        f.ObjectItems(tools, "tools");
        f.ObjectItems(functions, "functions");
        var toolChoice = f.Body["tool_choice"] ?? f.Body["function_call"];
        if (toolChoice is not null && toolChoice.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Object or JsonValueKind.Null))
        {
            f.Fail(RequestError.Invalid("'tool_choice' must be a string or an object.", "tool_choice", "invalid_type"));
        }

        var format = f.OfKind("response_format", JsonValueKind.Object);
        var hasTools = tools is { Count: > 0 } || functions is { Count: > 0 } || toolChoice is not null && toolChoice.GetValueKind() != JsonValueKind.Null;
        return new GenerationParameters
        {
            Temperature = temperature,
            TopP = topP,
            Seed = seed,
            PresencePenalty = presence,
            FrequencyPenalty = frequency,
            Stop = stop,
            LogProbs = logprobs,
            HasLogitBias = bias,
            ToolsJson = hasTools ? $"{(tools ?? functions)?.ToJsonString()}|{toolChoice?.ToJsonString()}" : null,
            ResponseFormatJson = format?.ToJsonString(),
        };
    }

    private static IReadOnlyList<string> ReadStop(FieldReader f)
    {
        var node = f.Body["stop"];
        switch (node?.GetValueKind())
        {
            case null or JsonValueKind.Null:
                return [];
            case JsonValueKind.String:
                return [node.GetValue<string>()];
            case JsonValueKind.Array:
                var stops = new List<string>();
                var array = node.AsArray();
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i]?.GetValueKind() != JsonValueKind.String)
                    {
                        f.Fail(RequestError.Invalid($"'stop[{i}]' must be a string.", $"stop[{i}]", "invalid_type"));
                        return [];
                    }

                    stops.Add(array[i]!.GetValue<string>());
                }

                return stops;
            default:
                f.Fail(RequestError.Invalid("'stop' must be a string or an array of strings.", "stop", "invalid_type"));
                return [];
        }
    }

    private static (List<ChatMessage>? Messages, int Estimate, long Bound) ReadMessages(FieldReader f)
    {
        var node = f.Body["messages"];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            f.Fail(RequestError.Invalid("'messages' is a required property.", "messages", "missing_required_parameter"));
            return (null, 0, 0);
        }

        if (node is not JsonArray { Count: > 0 } array)
        {
            f.Fail(RequestError.Invalid("'messages' must be a non-empty array.", "messages", "invalid_type"));
            return (null, 0, 0);
        }

        var messages = new List<ChatMessage>(array.Count);
        var estimate = 0L;
        var bound = 64L;
        for (var i = 0; i < array.Count && f.Error is null; i++)
        {
            if (ReadMessage(f, array[i], $"messages[{i}]", ref estimate, ref bound) is { } message)
            {
                messages.Add(message);
            }
        }

        return (messages, (int)Math.Min(estimate, int.MaxValue), bound);
    }

    private static ChatMessage? ReadMessage(FieldReader f, JsonNode? node, string path, ref long estimate, ref long bound)
    {
        if (node is not JsonObject message)
        {
            f.Fail(RequestError.Invalid($"'{path}' must be an object with a string 'role'.", path, "invalid_type"));
            return null;
        }

        var fields = f.Nested(message, path);
        var role = fields.RequiredString("role");
        if (role is not null && !ChatRoles.IsKnown(role))
        {
            f.Fail(RequestError.Invalid($"'{path}.role' is '{role}'; it must be one of system, developer, user, assistant, tool.", $"{path}.role", "invalid_value"));
            return null;
        }

        fields.String("name");
        var toolCalls = fields.OfKind("tool_calls", JsonValueKind.Array) as JsonArray;
        fields.ObjectItems(toolCalls, $"{path}.tool_calls");
        var functionCall = fields.OfKind("function_call", JsonValueKind.Object);
        if (role == ChatRoles.Tool)
        {
            fields.String("tool_call_id");
        }

        var calls = toolCalls is { Count: > 0 } || functionCall is not null;
        if ((calls && role != ChatRoles.Assistant) || f.Error is not null)
        {
            if (f.Error is null)
            {
                f.Fail(RequestError.Invalid($"'{path}.tool_calls' is only allowed in an assistant message.", $"{path}.tool_calls", "invalid_value"));
            }

            return null;
        }

        var text = ReadContent(f, message["content"], $"{path}.content", role == ChatRoles.Assistant, ref bound, out var textParts);
        if (f.Error is not null)
        {
            return null;
        }

        estimate += TokensPerMessage + TokenEstimator.Estimate(textParts);

        // An assistant's earlier tool calls are read again, names and arguments, as a Responses function_call item is.
        bound += 16 + DefinitionsBound(toolCalls, functionCall);
        return new ChatMessage(role!, text, calls, message.ToJsonString());
    }

    /// <summary>A message's content: a string, or an array of parts whose text parts are joined; null when absent or not all text.</summary>
    /// <param name="textParts">The text of the text parts, whatever else the content holds (for the token estimate).</param>
    private static string? ReadContent(FieldReader f, JsonNode? content, string path, bool mayBeAbsent, ref long bound, out string textParts)
    {
        textParts = "";
        switch (content?.GetValueKind())
        {
            case null or JsonValueKind.Null:
                if (!mayBeAbsent)
                {
                    f.Fail(RequestError.Invalid($"'{path}' is a required property.", path, "missing_required_parameter"));
                }

                return null;
            case JsonValueKind.String:
                var text = content.GetValue<string>();
                bound += Encoding.UTF8.GetByteCount(text);
                textParts = text;
                return text;
            case JsonValueKind.Array:
                var parts = content.AsArray();
                var joined = new StringBuilder();
                var allText = true;
                for (var i = 0; i < parts.Count; i++)
                {
                    var partPath = $"{path}[{i}]";
                    if (parts[i] is not JsonObject part || part["type"]?.GetValueKind() != JsonValueKind.String)
                    {
                        f.Fail(RequestError.Invalid($"'{partPath}' must be an object with a string 'type'.", partPath, "invalid_type"));
                        return null;
                    }

                    var type = part["type"]!.GetValue<string>();
                    if (type == "text")
                    {
                        if (ReadTextPart(f, part, partPath, ref bound, joined) is null)
                        {
                            return null;
                        }
                    }
                    else if (type.Length == 0)
                    {
                        f.Fail(RequestError.Invalid($"'{partPath}.type' must not be empty.", $"{partPath}.type", "invalid_value"));
                        return null;
                    }
                    else
                    {
                        // An image, audio, a file, a refusal: the upstream's to judge. The local tiers see no text.
                        allText = false;
                        bound += TokensPerMediaPart;
                    }
                }

                textParts = joined.ToString();
                return allText ? textParts : null;
            default:
                f.Fail(RequestError.Invalid($"'{path}' must be a string or an array of content parts.", path, "invalid_type"));
                return null;
        }
    }

    /// <summary>A text part's <c>text</c>, counted into <paramref name="bound"/> and appended to <paramref name="joined"/>; null (with the error kept) when it is not a string.</summary>
    private static string? ReadTextPart(FieldReader f, JsonObject part, string partPath, ref long bound, StringBuilder joined)
    {
        if (part["text"]?.GetValueKind() != JsonValueKind.String)
        {
            f.Fail(RequestError.Invalid($"'{partPath}.text' must be a string.", $"{partPath}.text", "invalid_type"));
            return null;
        }

        var text = part["text"]!.GetValue<string>();
        bound += Encoding.UTF8.GetByteCount(text);
        joined.Append(text);
        return text;
    }

    /// <summary>A completions prompt or an embeddings input: a string, strings, token ids, or arrays of token ids.</summary>
    private static (List<string>? Texts, int Estimate, long Bound) ReadPrompt(FieldReader f, string name)
    {
        var node = f.Body[name];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            f.Fail(RequestError.Invalid($"'{name}' is a required property.", name, "missing_required_parameter"));
            return (null, 0, 0);
        }

        var texts = new List<string>();
        long estimate = 0;
        long bound = 16;
        switch (node.GetValueKind())
        {
            case JsonValueKind.String:
                Add(node.GetValue<string>());
                break;
            case JsonValueKind.Array:
                var items = node.AsArray();
                for (var i = 0; i < items.Count; i++)
                {
                    var item = items[i];
                    switch (item?.GetValueKind())
                    {
                        case JsonValueKind.String:
                            Add(item.GetValue<string>());
                            break;
                        case JsonValueKind.Number when IsTokenId(item):
                            estimate++;
                            bound++;
                            break;
                        case JsonValueKind.Array when item.AsArray().All(IsTokenId):
                            estimate += item.AsArray().Count;
                            bound += item.AsArray().Count;
                            break;
                        default:
                            f.Fail(RequestError.Invalid($"'{name}[{i}]' must be a string, a token id or an array of token ids.", $"{name}[{i}]", "invalid_type"));
                            return (null, 0, 0);
                    }
                }

                break;
            default:
                f.Fail(RequestError.Invalid($"'{name}' must be a string or an array.", name, "invalid_type"));
                return (null, 0, 0);
        }

        return (texts, (int)Math.Min(estimate, int.MaxValue), bound);

        void Add(string text)
        {
            texts.Add(text);
            estimate += TokenEstimator.Estimate(text);
            bound += Encoding.UTF8.GetByteCount(text) + 4;
        }

        static bool IsTokenId(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var id) && id >= 0;
    }
}
