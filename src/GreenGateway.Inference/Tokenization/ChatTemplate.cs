using System.Text.Json;
using GreenGateway.Inference.Tokenization.Jinja;

namespace GreenGateway.Inference.Tokenization;

/// <summary>One message of a chat.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>Chat formats with a built-in template, for a model that carries none (a GGUF without tokenizer.chat_template).</summary>
public enum ChatFormat
{
    /// <summary>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n (Qwen2 and others).</summary>
    ChatMl,

    /// <summary>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt; after BOS (Llama 3).</summary>
    Llama3,
}

/// <summary>
/// A model's chat template, rendered from its Jinja source as transformers' <c>apply_chat_template(..., tokenize=False)</c>
/// renders it (see <see cref="JinjaTemplate"/>; tests compare with transformers' output byte for byte). A template
/// that refuses a conversation (<c>raise_exception</c>) throws <see cref="TemplateRaisedException"/>.
/// </summary>
public sealed class ChatTemplate
{
    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement;

    private readonly JinjaTemplate _template;

    private ChatTemplate(JinjaTemplate template, string? bosToken, string? eosToken)
    {
        _template = template;
        BosToken = bosToken;
        EosToken = eosToken;
    }

    /// <summary>The Jinja source.</summary>
    public string Source => _template.Source;

    /// <summary>The template's <c>bos_token</c>, or null (then undefined in the template, as transformers leaves it).</summary>
    public string? BosToken { get; }

    public string? EosToken { get; }

    /// <summary>Bounds of one rendering. Default <see cref="JinjaLimits"/>' defaults.</summary>
    public JinjaLimits Limits { get; init; } = new();

    /// <summary>The clock of <c>strftime_now</c>. Default the system clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>A built-in template of <paramref name="format"/> (ChatML with an optional default system prompt, or Llama 3).</summary>
    public static ChatTemplate Create(ChatFormat format, string? defaultSystemPrompt = null, string bosToken = "<|begin_of_text|>")
    {
        var source = format == ChatFormat.Llama3
            ? "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
            : "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' and default_system %}{{ '<|im_start|>system\\n' + default_system + '<|im_end|>\\n' }}{% endif %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        if (defaultSystemPrompt is not null)
        {
            source = "{% set default_system = " + JsonSerializer.Serialize(defaultSystemPrompt, ChatTemplateJson.Default.String) + " %}" + source;
        }

        return new ChatTemplate(JinjaTemplate.Parse(source), format == ChatFormat.Llama3 ? bosToken : null, null);
    }

    /// <summary>Parses a Jinja chat template; throws <see cref="NotSupportedException"/> when it does not parse.</summary>
    public static ChatTemplate FromJinja(string template, string? bosToken = null, string? eosToken = null)
    {
        try
        {
            return new ChatTemplate(JinjaTemplate.Parse(template), bosToken, eosToken);
        }
        catch (TemplateSyntaxException e)
        {
            throw new NotSupportedException($"the chat template is not Jinja this server can render ({e.Message})", e);
        }
    }

    /// <summary>
    /// The chat template of a model folder: chat_template.jinja when present (where transformers 4.43+ saves it, and
    /// which it prefers), else tokenizer_config.json's chat_template; the special tokens from tokenizer_config.json.
    /// </summary>
    public static ChatTemplate FromModelDirectory(string directory)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{directory}' has no tokenizer_config.json to read a chat template from.", path);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var file = Path.Combine(directory, "chat_template.jinja");
        var template = File.Exists(file) ? File.ReadAllText(file)
            : root.TryGetProperty("chat_template", out var t) ? TemplateText(t)
            : null;
        if (template is null)
        {
            throw new NotSupportedException($"'{path}' has no chat_template.");
        }

        return FromJinja(template, SpecialToken(root, "bos_token"), SpecialToken(root, "eos_token"));
    }

    /// <summary>chat_template is a string, or a list of named templates of which "default" is the chat one.</summary>
    private static string? TemplateText(JsonElement t)
    {
        if (t.ValueKind == JsonValueKind.String)
        {
            return t.GetString();
        }

        if (t.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in t.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("name", out var n) && n.ValueEquals("default")
                    && entry.TryGetProperty("template", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    return text.GetString();
                }
            }
        }

        return null;
    }

    /// <summary>A special token of tokenizer_config.json: a string, or an AddedToken object with "content".</summary>
    private static string? SpecialToken(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()
        : null;

    /// <summary>
    /// The chat template a GGUF file carries in its tokenizer.chat_template metadata; without one, the built-in
    /// <paramref name="whenMissing"/> format, or (when null) <see cref="NotSupportedException"/>.
    /// </summary>
    public static ChatTemplate FromGguf(string path, ChatFormat? whenMissing = null)
    {
        using var gguf = Formats.GgufFile.Open(path);
        var template = gguf.GetString("tokenizer.chat_template");
        if (template is null)
        {
            return whenMissing is { } format ? Create(format) : throw new NotSupportedException($"'{path}' has no tokenizer.chat_template.");
        }

        var tokens = gguf.GetArray<string>("tokenizer.ggml.tokens");
        string? Token(string key) => gguf.GetInteger(key) is { } id && tokens is not null && id >= 0 && id < tokens.Length ? tokens[id] : null;
        return FromJinja(template, Token("tokenizer.ggml.bos_token_id"), Token("tokenizer.ggml.eos_token_id"));
    }

    /// <summary>The prompt text for <paramref name="messages"/>, ending with the assistant header if asked.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        var list = JsonSerializer.SerializeToElement(messages.Select(static m => new Dictionary<string, string> { ["role"] = m.Role, ["content"] = m.Content }).ToList(), ChatTemplateJson.Default.ListDictionaryStringString);
        return Render(list, addGenerationPrompt);
    }

    /// <summary>
    /// The prompt text for OpenAI-style <paramref name="messages"/> (a JSON array of message objects, tool calls
    /// included), with the <paramref name="tools"/> and <paramref name="documents"/> the template may show.
    /// </summary>
    public string Render(JsonElement messages, bool addGenerationPrompt, JsonElement? tools = null, JsonElement? documents = null)
    {
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            // transformers (5.x) refuses before rendering, in these words.
            throw new TemplateException("Cannot apply chat template to an empty conversation. Provide at least one message.");
        }

        var variables = new Dictionary<string, JsonElement?>
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = JsonSerializer.SerializeToElement(addGenerationPrompt, ChatTemplateJson.Default.Boolean),
            ["tools"] = tools ?? Null,
            ["documents"] = documents ?? Null,
            ["bos_token"] = BosToken is null ? null : JsonSerializer.SerializeToElement(BosToken, ChatTemplateJson.Default.String),
            ["eos_token"] = EosToken is null ? null : JsonSerializer.SerializeToElement(EosToken, ChatTemplateJson.Default.String),
        };
        return _template.Render(variables, Limits, Time);
    }
}

/// <summary>Source-generated JSON for the template's variables, so that a trimmed build keeps what it needs (no IL2026).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<Dictionary<string, string>>))]
internal sealed partial class ChatTemplateJson : System.Text.Json.Serialization.JsonSerializerContext;
