using System.Buffers;
using System.Text.Json;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost.Api;

/// <summary>vLLM's /tokenize and /detokenize, and /v1/models.</summary>
internal static class TokenizeEndpoints
{
    /// <summary>{"prompt": text, "add_special_tokens"} or {"messages": [...], "add_generation_prompt"} → {count, max_model_len, tokens, token_strs}.</summary>
    public static async Task TokenizeAsync(HttpContext context, ModelSession session)
    {
        var (doc, error) = await RequestParser.ReadJsonAsync(context);
        if (error is not null)
        {
            await error.WriteAsync(context);
            return;
        }

        using (doc)
        {
            var root = doc!.RootElement;
            int[] tokens;
            if (root.TryGetProperty("messages", out _))
            {
                var (request, parseError) = RequestParser.Parse(root, chat: true);
                if (parseError is not null)
                {
                    await parseError.WriteAsync(context);
                    return;
                }

                var generationPrompt = !root.TryGetProperty("add_generation_prompt", out var g) || g.ValueKind != JsonValueKind.False;
                var (prompt, templateError) = ChatPrompt.Render(session, request!, generationPrompt);
                if (templateError is not null)
                {
                    await templateError.WriteAsync(context);
                    return;
                }

                tokens = session.Tokenizer.Encode(prompt!);
            }
            else if (root.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String)
            {
                var special = !root.TryGetProperty("add_special_tokens", out var a) || a.ValueKind != JsonValueKind.False;
                tokens = session.Tokenizer.Encode(p.GetString()!, addSpecialTokens: special);
            }
            else
            {
                await ApiError.Invalid("give prompt (a string) or messages.", "prompt").WriteAsync(context);
                return;
            }

            var strings = root.TryGetProperty("return_token_strs", out var r) && r.ValueKind == JsonValueKind.True;
            await WriteAsync(context, w =>
            {
                w.WriteNumber("count", tokens.Length);
                w.WriteNumber("max_model_len", session.MaxContextTokens);
                w.WriteStartArray("tokens");
                foreach (var t in tokens)
                {
                    w.WriteNumberValue(t);
                }

                w.WriteEndArray();
                if (strings)
                {
                    w.WriteStartArray("token_strs");
                    foreach (var t in tokens)
                    {
                        w.WriteStringValue(session.Tokenizer.IdToToken(t));
                    }

                    w.WriteEndArray();
                }
                else
                {
                    w.WriteNull("token_strs");
                }
            });
        }
    }

    /// <summary>{"tokens": [ids]} → {"prompt": text}.</summary>
    public static async Task DetokenizeAsync(HttpContext context, ModelSession session)
    {
        var (doc, error) = await RequestParser.ReadJsonAsync(context);
        if (error is not null)
        {
            await error.WriteAsync(context);
            return;
        }

        using (doc)
        {
            if (!doc!.RootElement.TryGetProperty("tokens", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                await ApiError.Invalid("tokens must be a list of token ids.", "tokens").WriteAsync(context);
                return;
            }

            var ids = new List<int>();
            foreach (var e in list.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var id) || (uint)id >= (uint)session.VocabSize)
                {
                    await ApiError.Invalid($"Token id {e.GetRawText()} is out of vocabulary (0..{session.VocabSize - 1}).", "tokens", "invalid_token_id").WriteAsync(context);
                    return;
                }

                ids.Add(id);
            }

            var text = session.Tokenizer.Decode([.. ids]);
            await WriteAsync(context, w => w.WriteString("prompt", text));
        }
    }

    public static Task ModelsAsync(HttpContext context, ModelSession session) => WriteAsync(context, w =>
    {
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        w.WriteStartObject();
        w.WriteString("id", session.ModelId);
        w.WriteString("object", "model");
        w.WriteNumber("created", session.Created);
        w.WriteString("owned_by", "greengateway");
        w.WriteNumber("max_model_len", session.MaxContextTokens);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
