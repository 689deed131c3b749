using System.Buffers;
using System.Text;
using System.Text.Json;
using GreenGateway.Inference.Generation;
using GreenGateway.ModelHost.Energy;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost.Api;

internal static partial class GenerationEndpoint
{
    private static ReadOnlyMemory<byte> CompletionBody(ModelSession s, GenerationRequest r, GenerationRun run, List<GeneratedToken> tokens,
        string id, long created, EnergyUsage energy)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var w = new Utf8JsonWriter(buffer);
        Header(w, id, "text_completion", created, s.ModelId);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        var text = new StringBuilder(r.Echo ? s.Tokenizer.Decode(run.Prompt) : "");
        tokens.ForEach(t => text.Append(t.Text));
        w.WriteString("text", text.ToString());
        if (r.Logprobs is { } top)
        {
            ResponseJson.CompletionLogprobs(w, s, r.Echo ? run.Scored : null, tokens, top, r.ReturnTokensAsTokenIds);
        }
        else
        {
            w.WriteNull("logprobs");
        }

        w.WriteString("finish_reason", ResponseJson.FinishReason(tokens.Count > 0 ? tokens[^1].FinishReason : FinishReason.Length));
        if (r.PromptLogprobs is { } promptTop && run.Scored is { } scored)
        {
            ResponseJson.PromptLogprobs(w, s, scored, promptTop);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        ResponseJson.Usage(w, run.Prompt.Length, tokens.Count, run.CachedTokens, energy);
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenMemory;
    }

    private static ReadOnlyMemory<byte> ChatBody(ModelSession s, GenerationRequest r, GenerationRun run, List<GeneratedToken> tokens,
        string id, long created, EnergyUsage energy)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var w = new Utf8JsonWriter(buffer);
        Header(w, id, "chat.completion", created, s.ModelId);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        var text = new StringBuilder();
        tokens.ForEach(t => text.Append(t.Text));
        var (content, calls) = r.ReadsToolCalls(s.ToolCallFormat) ? ToolCalls.Extract(text.ToString(), s.ToolCallFormat) : (text.ToString(), []);
        w.WriteString("content", content);
        w.WriteNull("refusal");
        if (calls.Count > 0)
        {
            ResponseJson.ToolCalls(w, calls, delta: false);
        }

        w.WriteEndObject();
        if (r.Logprobs is not null)
        {
            ResponseJson.ChatLogprobs(w, s, tokens);
        }
        else
        {
            w.WriteNull("logprobs");
        }

        w.WriteString("finish_reason", calls.Count > 0 ? "tool_calls" : ResponseJson.FinishReason(tokens.Count > 0 ? tokens[^1].FinishReason : FinishReason.Length));
        w.WriteEndObject();
        w.WriteEndArray();
        ResponseJson.Usage(w, run.Prompt.Length, tokens.Count, run.CachedTokens, energy);
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenMemory;
    }

    private static void Header(Utf8JsonWriter w, string id, string kind, long created, string model)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", kind);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }
}
