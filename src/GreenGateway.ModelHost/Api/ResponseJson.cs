using System.Globalization;
using System.Text;
using System.Text.Json;
using GreenGateway.Inference.Generation;
using GreenGateway.ModelHost.Energy;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost.Api;

/// <summary>The pieces of OpenAI's (and vLLM's) completion shapes.</summary>
internal static class ResponseJson
{
    public static void Usage(Utf8JsonWriter w, int prompt, int completion, int cached, EnergyUsage? energy)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", prompt + completion);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", cached);
        w.WriteEndObject();
        if (energy is { } e)
        {
            // Extensions; the same figures are in the X-Energy-Joules and X-Energy-Method headers.
            w.WriteNumber("energy_joules", Math.Round(e.Joules, 6));
            w.WriteString("energy_method", e.Method);
        }

        w.WriteEndObject();
    }

    public static string FinishReason(FinishReason? reason) => reason == Inference.Generation.FinishReason.Stop ? "stop" : "length";

    /// <summary>
    /// OpenAI's <c>tool_calls</c>: id, type "function", function { name, arguments (a JSON string) }; in a stream's delta
    /// each also carries its index.
    /// </summary>
    public static void ToolCalls(Utf8JsonWriter w, IReadOnlyList<ToolCall> calls, bool delta)
    {
        w.WriteStartArray("tool_calls");
        for (var i = 0; i < calls.Count; i++)
        {
            w.WriteStartObject();
            if (delta)
            {
                w.WriteNumber("index", i);
            }

            w.WriteString("id", calls[i].Id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", calls[i].Name);
            w.WriteString("arguments", calls[i].Arguments);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>Legacy completions logprobs: tokens, token_logprobs, top_logprobs, text_offset (prompt first when echoed).</summary>
    public static void CompletionLogprobs(Utf8JsonWriter w, ModelSession s, ScoredPrompt? echoed, IReadOnlyList<GeneratedToken> tokens, int top, bool asTokenIds = false)
    {
        string Name(int id) => asTokenIds ? "token_id:" + id.ToString(CultureInfo.InvariantCulture) : s.Tokenizer.Decode([id]);

        var strings = new List<string>();
        var logprobs = new List<float?>();
        var tops = new List<IReadOnlyList<(int Id, float Lp)>?>();
        if (echoed is not null)
        {
            for (var i = 0; i < echoed.Scores.Count; i++)
            {
                var sc = echoed.Scores[i];
                strings.Add(Name(sc?.TokenId ?? 0));
                logprobs.Add(sc?.Logprob);
                tops.Add(sc is null ? null : [.. sc.Top.Take(top).Select(static t => (t.TokenId, t.Logprob))]);
            }
        }

        foreach (var t in tokens)
        {
            strings.Add(Name(t.TokenId));
            logprobs.Add(t.Logprob);
            tops.Add([.. t.TopLogprobs.Select(static t => (t.TokenId, t.Logprob))]);
        }

        w.WriteStartObject("logprobs");
        w.WriteStartArray("tokens");
        strings.ForEach(w.WriteStringValue);
        w.WriteEndArray();
        w.WriteStartArray("token_logprobs");
        foreach (var lp in logprobs)
        {
            Number(w, lp);
        }

        w.WriteEndArray();
        w.WriteStartArray("top_logprobs");
        foreach (var alternatives in tops)
        {
            if (alternatives is null)
            {
                w.WriteNullValue();
                continue;
            }

            w.WriteStartObject();
            foreach (var (id, lp) in alternatives)
            {
                w.WriteNumber(Name(id), lp);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("text_offset");
        var offset = 0;
        foreach (var str in strings)
        {
            w.WriteNumberValue(offset);
            offset += str.Length;
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Chat logprobs: {"content": [{token, logprob, bytes, top_logprobs: [...]}], "refusal": null}.</summary>
    public static void ChatLogprobs(Utf8JsonWriter w, ModelSession s, IReadOnlyList<GeneratedToken> tokens)
    {
        w.WriteStartObject("logprobs");
        w.WriteStartArray("content");
        foreach (var t in tokens)
        {
            w.WriteStartObject();
            ChatToken(w, s, t.TokenId, t.Logprob);
            w.WriteStartArray("top_logprobs");
            foreach (var alt in t.TopLogprobs)
            {
                w.WriteStartObject();
                ChatToken(w, s, alt.TokenId, alt.Logprob);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteNull("refusal");
        w.WriteEndObject();
    }

    /// <summary>vLLM's prompt_logprobs: null for the first token, then {"id": {logprob, rank, decoded_token}} per position.</summary>
    public static void PromptLogprobs(Utf8JsonWriter w, ModelSession s, ScoredPrompt scored, int top)
    {
        w.WriteStartArray("prompt_logprobs");
        foreach (var sc in scored.Scores)
        {
            if (sc is null)
            {
                w.WriteNullValue();
                continue;
            }

            w.WriteStartObject();
            PromptEntry(w, s, sc.TokenId, sc.Logprob, sc.Rank);
            for (var i = 0; i < Math.Min(top, sc.Top.Length); i++)
            {
                if (sc.Top[i].TokenId != sc.TokenId)
                {
                    PromptEntry(w, s, sc.Top[i].TokenId, sc.Top[i].Logprob, i + 1);
                }
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void PromptEntry(Utf8JsonWriter w, ModelSession s, int id, float logprob, int rank)
    {
        w.WriteStartObject(id.ToString(CultureInfo.InvariantCulture));
        w.WriteNumber("logprob", logprob);
        w.WriteNumber("rank", rank);
        w.WriteString("decoded_token", s.Tokenizer.Decode([id]));
        w.WriteEndObject();
    }

    private static void ChatToken(Utf8JsonWriter w, ModelSession s, int id, float logprob)
    {
        var text = s.Tokenizer.Decode([id]);
        w.WriteString("token", text);
        w.WriteNumber("logprob", logprob);
        w.WriteStartArray("bytes");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            w.WriteNumberValue(b);
        }

        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, float? value)
    {
        if (value is { } v)
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteNullValue();
        }
    }
}
