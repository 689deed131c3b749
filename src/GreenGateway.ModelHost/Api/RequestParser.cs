using System.Text;
using System.Text.Json;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.ModelHost.Api;

/// <summary>Reads an OpenAI request body, collecting every problem before refusing it.</summary>
internal static partial class RequestParser
{
    public static async Task<(JsonDocument? Doc, ApiError? Error)> ReadJsonAsync(HttpContext context)
    {
        try
        {
            var doc = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? (doc, null)
                : (null, ApiError.Invalid("the request body must be a JSON object."));
        }
        catch (JsonException e)
        {
            return (null, ApiError.Invalid($"the request body is not valid JSON: {e.Message}"));
        }
    }

    public static (GenerationRequest? Request, ApiError? Error) Parse(JsonElement root, bool chat)
    {
        var errors = new List<(string Message, string Param)>();
        string? promptText = null;
        int[]? promptTokens = null;
        List<ChatMessage>? messages = null;
        JsonElement? conversation = null;
        JsonElement? tools = null;
        var toolChoiceNone = false;
        if (chat)
        {
            if (ReadConversation(root, errors) is { } read)
            {
                (messages, conversation) = (read.Messages, read.Conversation);
            }

            tools = ReadTools(root, errors);
            toolChoiceNone = ReadToolChoice(root, errors);
        }
        else
        {
            (promptText, promptTokens) = ReadPrompt(root, errors);
        }

        var logprobs = chat
            ? (Bool(root, "logprobs", errors) ? Int(root, "top_logprobs", errors) ?? 0 : null)
            : Int(root, "logprobs", errors);
        var request = new GenerationRequest
        {
            Model = Str(root, "model", errors),
            PromptText = promptText,
            PromptTokens = promptTokens,
            Messages = messages,
            Conversation = conversation,
            Tools = tools,
            ToolChoiceNone = toolChoiceNone,
            MaxTokens = Int(root, chat && root.TryGetProperty("max_completion_tokens", out _) ? "max_completion_tokens" : "max_tokens", errors),
            Temperature = Float(root, "temperature", errors) ?? 1f,
            TopP = Float(root, "top_p", errors) ?? 1f,
            TopK = Math.Max(Int(root, "top_k", errors) ?? 0, 0),
            Seed = Int(root, "seed", errors),
            Stream = Bool(root, "stream", errors),
            IncludeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object && Bool(so, "include_usage", errors),
            Logprobs = logprobs,
            Echo = !chat && Bool(root, "echo", errors),
            PromptLogprobs = Int(root, "prompt_logprobs", errors),
            IgnoreEos = Bool(root, "ignore_eos", errors),
            ReturnTokensAsTokenIds = Bool(root, "return_tokens_as_token_ids", errors),
            Stop = ReadStop(root, errors),
        };
        Check(request, root, errors);
        if (errors.Count == 0)
        {
            return (request, null);
        }

        var message = string.Join("; ", errors.Select(static e => e.Message));
        return (null, ApiError.Invalid(message, errors[0].Param));
    }

    /// <summary>OpenAI's <c>stop</c>: null, a string, or a list of up to 4 non-empty strings.</summary>
    private static IReadOnlyList<string> ReadStop(JsonElement root, List<(string, string)> errors)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        var list = new List<string>();
        if (stop.ValueKind == JsonValueKind.String)
        {
            list.Add(stop.GetString()!);
        }
        else if (stop.ValueKind == JsonValueKind.Array && stop.EnumerateArray().All(static e => e.ValueKind == JsonValueKind.String))
        {
            list.AddRange(stop.EnumerateArray().Select(static e => e.GetString()!));
        }
        else
        {
            errors.Add(("stop must be a string or a list of strings", "stop"));
            return [];
        }

        if (list.Count > 4 || list.Exists(static x => x.Length == 0))
        {
            errors.Add(("stop takes up to 4 non-empty strings", "stop"));
        }

        return list;
    }

    private static void Check(GenerationRequest r, JsonElement root, List<(string, string)> errors)
    {
        if (r.MaxTokens is < 0)
        {
            errors.Add(($"max_tokens must be at least 0, not {r.MaxTokens}", "max_tokens"));
        }

        if (!(r.Temperature >= 0 && r.Temperature <= 2))
        {
            errors.Add(($"temperature must be in [0, 2], not {r.Temperature}", "temperature"));
        }

        if (!(r.TopP > 0 && r.TopP <= 1))
        {
            errors.Add(($"top_p must be in (0, 1], not {r.TopP}", "top_p"));
        }

        if (r.Logprobs is < 0 or > Serving.LogprobMath.MaxTop)
        {
            errors.Add(($"logprobs must be in 0..{Serving.LogprobMath.MaxTop}, not {r.Logprobs}", "logprobs"));
        }

        if (r.PromptLogprobs is < 0 or > Serving.LogprobMath.MaxTop)
        {
            errors.Add(($"prompt_logprobs must be in 0..{Serving.LogprobMath.MaxTop}, not {r.PromptLogprobs}", "prompt_logprobs"));
        }

        if ((Int(root, "n", errors) ?? 1) != 1)
        {
            errors.Add(("n must be 1: this server returns one choice per request", "n"));
        }

        if (r.Stream && (r.PromptLogprobs is not null || r.Echo))
        {
            errors.Add(("prompt_logprobs and echo are not supported with stream", "stream"));
        }
    }

    private static (string?, int[]?) ReadPrompt(JsonElement root, List<(string, string)> errors)
    {
        if (!root.TryGetProperty("prompt", out var p))
        {
            errors.Add(("prompt is required", "prompt"));
            return (null, null);
        }

        // One prompt: a string, a list of token ids, or a list holding exactly one of those.
        if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 1 && p[0].ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            p = p[0];
        }

        if (p.ValueKind == JsonValueKind.String)
        {
            return (p.GetString(), null);
        }

        if (p.ValueKind == JsonValueKind.Array && p.EnumerateArray().All(static e => e.ValueKind == JsonValueKind.Number))
        {
            var ids = new int[p.GetArrayLength()];
            var i = 0;
            foreach (var e in p.EnumerateArray())
            {
                if (!e.TryGetInt32(out ids[i++]))
                {
                    errors.Add(($"token id {e.GetRawText()} is not a 32-bit integer", "prompt"));
                    return (null, null);
                }
            }

            return (null, ids);
        }

        errors.Add(("prompt must be a string or a list of token ids (one prompt per request)", "prompt"));
        return (null, null);
    }

    /// <summary>
    /// The conversation: each message's role and text, and the same messages as the chat template sees them (every field
    /// kept, content flattened to text): an assistant turn may carry <c>tool_calls</c> without content, a <c>tool</c>
    /// turn its <c>tool_call_id</c>.
    /// </summary>
    private static (List<ChatMessage> Messages, JsonElement Conversation)? ReadConversation(JsonElement root, List<(string, string)> errors)
    {
        if (!root.TryGetProperty("messages", out var m) || m.ValueKind != JsonValueKind.Array || m.GetArrayLength() == 0)
        {
            errors.Add(("messages must be a non-empty list", "messages"));
            return null;
        }

        var list = new List<ChatMessage>();
        var conversation = new List<Dictionary<string, JsonElement>>();
        foreach (var msg in m.EnumerateArray())
        {
            var role = msg.ValueKind == JsonValueKind.Object && msg.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : null;
            var hasContent = msg.ValueKind == JsonValueKind.Object && msg.TryGetProperty("content", out var c) && c.ValueKind != JsonValueKind.Null;
            var content = hasContent ? Content(msg.GetProperty("content")) : null;
            var toolCalls = role == "assistant" && msg.TryGetProperty("tool_calls", out var tc) && tc.ValueKind == JsonValueKind.Array && tc.GetArrayLength() > 0;
            if (role is null || (content is null && (hasContent || !toolCalls)))
            {
                errors.Add(($"messages[{list.Count}] needs a string role and text content (or, from the assistant, tool_calls)", "messages"));
                return null;
            }

            list.Add(new ChatMessage(role, content ?? ""));
            var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var field in msg.EnumerateObject())
            {
                fields[field.Name] = field.Value.Clone();
            }

            if (fields.ContainsKey("content"))
            {
                // As the template would see it from transformers: text, or null where the client sent null.
                fields["content"] = JsonSerializer.SerializeToElement(content);
            }

            conversation.Add(fields);
        }

        return (list, JsonSerializer.SerializeToElement(conversation));
    }

    /// <summary>
    /// OpenAI's <c>tool_choice</c>: "none", "auto", "required" or {"type": "function", "function": {"name": ...}};
    /// true for "none". (The model is not constrained to call a tool: "required" and a named function are accepted
    /// and read like "auto".)
    /// </summary>
    private static bool ReadToolChoice(JsonElement root, List<(string, string)> errors)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        if (choice.ValueKind == JsonValueKind.String && choice.GetString() is "none" or "auto" or "required")
        {
            return choice.GetString() == "none";
        }

        if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
            && f.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
        {
            return false;
        }

        errors.Add(("tool_choice must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice"));
        return false;
    }

    /// <summary>OpenAI's <c>tools</c>: absent, null, or a list of objects, handed to the chat template as they are.</summary>
    private static JsonElement? ReadTools(JsonElement root, List<(string, string)> errors)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array || tools.EnumerateArray().Any(static t => t.ValueKind != JsonValueKind.Object))
        {
            errors.Add(("tools must be a list of objects", "tools"));
            return null;
        }

        return tools.Clone();
    }
}
