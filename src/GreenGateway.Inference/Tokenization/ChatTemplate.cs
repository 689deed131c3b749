using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GreenGateway.Inference.Tokenization;

/// <summary>One message of a chat.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>The chat formats the engine renders without a Jinja interpreter.</summary>
public enum ChatFormat
{
    /// <summary>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n (Qwen2 and others).</summary>
    ChatMl,

    /// <summary>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt; after BOS (Llama 3).</summary>
    Llama3,
}

/// <summary>
/// Renders a conversation as the model's chat template would. The format is recognized from the template in
/// tokenizer_config.json (by the tokens it writes), so the output equals what transformers' Jinja rendering of
/// the standard ChatML and Llama-3 templates gives.
/// </summary>
public sealed partial class ChatTemplate
{
    private ChatTemplate(ChatFormat format, string? defaultSystemPrompt, string bosToken)
    {
        Format = format;
        DefaultSystemPrompt = defaultSystemPrompt;
        BosToken = bosToken;
    }

    public ChatFormat Format { get; }

    /// <summary>ChatML's system message when the conversation has none (Qwen2's "You are a helpful assistant."), or null.</summary>
    public string? DefaultSystemPrompt { get; }

    /// <summary>The text the Llama-3 template starts with.</summary>
    public string BosToken { get; }

    public static ChatTemplate Create(ChatFormat format, string? defaultSystemPrompt = null, string bosToken = "<|begin_of_text|>") =>
        new(format, defaultSystemPrompt, bosToken);

    /// <summary>Recognizes a Jinja chat template's format.</summary>
    public static ChatTemplate FromJinja(string template, string? bosToken = null)
    {
        if (template.Contains("<|start_header_id|>", StringComparison.Ordinal))
        {
            return new ChatTemplate(ChatFormat.Llama3, null, bosToken ?? "<|begin_of_text|>");
        }

        if (template.Contains("<|im_start|>", StringComparison.Ordinal))
        {
            var system = DefaultSystem().Match(template);
            return new ChatTemplate(ChatFormat.ChatMl, system.Success ? system.Groups[1].Value : null, bosToken ?? "");
        }

        throw new NotSupportedException("the chat template is neither ChatML nor Llama-3; those are the formats supported.");
    }

    /// <summary>The chat template of a model folder, from tokenizer_config.json's chat_template.</summary>
    public static ChatTemplate FromModelDirectory(string directory)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{directory}' has no tokenizer_config.json to read a chat template from.", path);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        if (!root.TryGetProperty("chat_template", out var t) || t.ValueKind != JsonValueKind.String)
        {
            throw new NotSupportedException($"'{path}' has no chat_template.");
        }

        var bos = root.TryGetProperty("bos_token", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        return FromJinja(t.GetString()!, bos);
    }

    /// <summary>The chat template a GGUF file carries in its tokenizer.chat_template metadata.</summary>
    public static ChatTemplate FromGguf(string path)
    {
        using var gguf = Formats.GgufFile.Open(path);
        var template = gguf.GetString("tokenizer.chat_template")
            ?? throw new NotSupportedException($"'{path}' has no tokenizer.chat_template.");
        var bos = gguf.GetInteger("tokenizer.ggml.bos_token_id") is { } id && gguf.GetArray<string>("tokenizer.ggml.tokens") is { } tokens && id < tokens.Length
            ? tokens[id]
            : null;
        return FromJinja(template, bos);
    }

    /// <summary>The prompt text for <paramref name="messages"/>, ending with the assistant header if asked.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        var sb = new StringBuilder();
        if (Format == ChatFormat.Llama3)
        {
            sb.Append(BosToken);
            foreach (var m in messages)
            {
                // The template pipes content through Jinja's trim filter.
                sb.Append("<|start_header_id|>").Append(m.Role).Append("<|end_header_id|>\n\n").Append(m.Content.Trim()).Append("<|eot_id|>");
            }

            if (addGenerationPrompt)
            {
                sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }

            return sb.ToString();
        }

        if (DefaultSystemPrompt is not null && (messages.Count == 0 || messages[0].Role != "system"))
        {
            sb.Append("<|im_start|>system\n").Append(DefaultSystemPrompt).Append("<|im_end|>\n");
        }

        foreach (var m in messages)
        {
            sb.Append("<|im_start|>").Append(m.Role).Append('\n').Append(m.Content).Append("<|im_end|>\n");
        }

        if (addGenerationPrompt)
        {
            sb.Append("<|im_start|>assistant\n");
        }

        return sb.ToString();
    }

    // In the template source the newline is the two characters backslash and n inside a Jinja string literal.
    [GeneratedRegex(@"<\|im_start\|>system\\n(.+?)<\|im_end\|>")]
    private static partial Regex DefaultSystem();
}
