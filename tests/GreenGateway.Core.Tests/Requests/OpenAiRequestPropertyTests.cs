using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace GreenGateway.Core.Requests.Tests;

/// <summary>
/// The request parser over generated bodies: a valid body parses to what it says; a body with one field of a wrong
/// type or value is a 400 naming that field; any bytes at all give a result or a 400, never an exception.
/// </summary>
public sealed class OpenAiRequestPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<string> Text =
        Gen.Elements("hi", "What does String.Trim do?", "", "é ü 漢字 🚀", "a\"quoted\"\\ line\nbreak", "12 * 7", "\u0000\u001f");

    private static readonly Gen<JsonNode> Content = Gen.OneOf(
        Text.Select(t => (JsonNode)JsonValue.Create(t)!),
        Between(Text, 1, 3).Select(parts => (JsonNode)new JsonArray([.. parts.Select(p => (JsonNode)new JsonObject { ["type"] = "text", ["text"] = p })])));

    private static readonly Gen<JsonObject> Message =
        from role in Gen.Elements("system", "developer", "user", "assistant")
        from content in Content
        select new JsonObject { ["role"] = role, ["content"] = content.DeepClone() };

    /// <summary>A valid chat completions body, with the fields the gateway reads set or absent.</summary>
    private static readonly Gen<JsonObject> ValidChat =
        from model in Gen.Elements("m", "llama-3.1-8b", "target", "échelle")
        from messages in Between(Message, 1, 4)
        from temperature in Gen.OneOf(Gen.Constant((double?)null), Gen.Choose(0, 200).Select(t => (double?)(t / 100.0)))
        from topP in Gen.OneOf(Gen.Constant((double?)null), Gen.Choose(1, 100).Select(t => (double?)(t / 100.0)))
        from max in Gen.OneOf(Gen.Constant((int?)null), Gen.Choose(0, int.MaxValue).Select(m => (int?)m))
        from n in Gen.OneOf(Gen.Constant((int?)null), Gen.Choose(1, 128).Select(c => (int?)c))
        from stream in Gen.Elements<bool?>(null, true, false)
        from usage in Gen.Elements<bool?>(null, true, false)
        from stop in Gen.OneOf(Gen.Constant((JsonNode?)null), Text.Select(s => (JsonNode?)JsonValue.Create(s)), Between(Text, 0, 4).Select(l => (JsonNode?)new JsonArray([.. l.Select(x => (JsonNode)JsonValue.Create(x)!)])))
        from seed in Gen.OneOf(Gen.Constant((long?)null), Gen.Choose(int.MinValue, int.MaxValue).Select(s => (long?)s))
        select Build(model, messages, temperature, topP, max, n, stream, usage, stop, seed);

    [Fact]
    public void ValidBody_Parses_ToWhatItSays()
    {
        Check.One(Config, Prop.ForAll(Arb.From(ValidChat), body =>
        {
            Assert.True(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.ChatCompletions, out var request, out var error), error?.Message);
            Assert.Equal(body["model"]!.GetValue<string>(), request!.Model);
            Assert.Equal(body["messages"]!.AsArray().Count, request.Messages.Count);
            Assert.Equal(body["max_tokens"]?.GetValue<int>(), request.MaxTokens);
            Assert.Equal(body["n"]?.GetValue<int>() ?? 1, request.Choices);
            Assert.Equal(body["stream"]?.GetValue<bool>() ?? false, request.Stream);
            Assert.Equal(body["temperature"]?.GetValue<double>(), request.Parameters.Temperature);
            Assert.True(request.CompletionTokensFor(request.MaxTokens ?? 0) >= 0);
            Assert.True(request.PromptTokenBound >= request.PromptTokenEstimate, $"bound {request.PromptTokenBound} < estimate {request.PromptTokenEstimate}");
        }));
    }

    /// <summary>A function's JSON schema of 1 to 400 properties (up to tens of kilobytes), with non-ASCII descriptions.</summary>
    private static readonly Gen<JsonObject> Function =
        from name in Gen.Elements("get_weather", "search", "créer_facture")
        from properties in Gen.Choose(1, 400)
        from description in Text
        select new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject(Enumerable.Range(0, properties).Select(i =>
                    KeyValuePair.Create($"field_{i}", (JsonNode?)new JsonObject { ["type"] = "string", ["description"] = $"{description} n°{i}" }))),
            },
        };

    /// <summary>What a chat body may carry besides its messages that the model reads too.</summary>
    private static readonly Gen<(JsonNode? Tools, JsonNode? Functions, JsonNode? Choice, JsonNode? Format, JsonNode? Calls)> Definitions =
        from tools in Gen.OneOf(Gen.Constant((JsonNode?)null), Between(Function, 1, 4).Select(l => (JsonNode?)new JsonArray([.. l.Select(fn => (JsonNode)new JsonObject { ["type"] = "function", ["function"] = fn })])))
        from functions in Gen.OneOf(Gen.Constant((JsonNode?)null), Between(Function, 1, 2).Select(l => (JsonNode?)new JsonArray([.. l])))
        from choice in Gen.Elements<JsonNode?>(null, "auto", "required", new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "search" } })
        from format in Gen.OneOf(Gen.Constant((JsonNode?)null), Function.Select(fn => (JsonNode?)new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject { ["name"] = "answer", ["schema"] = fn["parameters"]!.DeepClone() },
        }))
        from calls in Gen.OneOf(Gen.Constant((JsonNode?)null), Text.Select(t => (JsonNode?)new JsonArray(new JsonObject
        {
            ["id"] = "call_1",
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "search", ["arguments"] = new JsonObject { ["q"] = t }.ToJsonString() },
        })))
        select (tools, functions, choice, format, calls);

    /// <summary>
    /// The chat template renders tool definitions, a named tool choice, the output schema and an assistant's earlier tool
    /// calls into the prompt, so an honest prompt_tokens counts them: each raises the bound by at least its UTF-8 bytes
    /// (a byte-level BPE token holds at least one byte), however large the schema.
    /// </summary>
    [Fact]
    public void PromptTokenBound_CountsToolDefinitions_TheOutputSchema_AndEarlierToolCalls()
    {
        Check.One(Config.WithMaxTest(200), Prop.ForAll(Arb.From(ValidChat), Arb.From(Definitions), (body, d) =>
        {
            Assert.True(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.ChatCompletions, out var plain, out var error), error?.Message);
            var carrying = body.DeepClone().AsObject();
            var added = 0L;
            foreach (var (name, node) in new[] { ("tools", d.Tools), ("functions", d.Functions), ("tool_choice", d.Choice), ("response_format", d.Format) })
            {
                if (node is not null)
                {
                    carrying[name] = node.DeepClone();
                    added += Encoding.UTF8.GetByteCount(node.ToJsonString());
                }
            }

            if (d.Calls is not null)
            {
                carrying["messages"]!.AsArray().Insert(0, new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = d.Calls.DeepClone() });
                added += Encoding.UTF8.GetByteCount(d.Calls.ToJsonString());
            }

            Assert.True(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(carrying.ToJsonString()), ApiKind.ChatCompletions, out var request, out error), error?.Message);
            Assert.True(request!.PromptTokenBound - plain!.PromptTokenBound >= added, $"bound grew {request.PromptTokenBound - plain.PromptTokenBound}, definitions hold {added} bytes");
        }));
    }

    /// <summary>A field and the values it must refuse: wrong types, and values out of range.</summary>
    private static readonly (string Field, JsonNode? Value)[] WrongValues =
    [
        ("model", 42), ("model", ""), ("model", new JsonArray()), ("model", true),
        ("messages", "hi"), ("messages", new JsonArray()), ("messages", new JsonObject()), ("messages", 1),
        ("temperature", "hot"), ("temperature", -1), ("temperature", 2.5), ("temperature", new JsonArray(1)),
        ("top_p", true), ("top_p", 1.5), ("max_tokens", -1), ("max_tokens", 1.5), ("max_tokens", "64"), ("max_tokens", 4294967296L),
        ("max_completion_tokens", -3), ("n", 0), ("n", 129), ("n", "2"), ("stream", "yes"), ("stream", 1),
        ("stream_options", true), ("stop", 5), ("stop", new JsonArray(1)), ("seed", 1.5), ("seed", "7"),
        ("presence_penalty", 3), ("frequency_penalty", "x"), ("logprobs", 1), ("top_logprobs", 21), ("logit_bias", "x"),
        ("tools", new JsonObject()), ("tools", new JsonArray(1)), ("tool_choice", 3), ("response_format", "json"),
        ("user", 7), ("metadata", "x"), ("store", "yes"), ("parallel_tool_calls", 0),
    ];

    [Fact]
    public void OneWrongField_Is400_NamingThatField()
    {
        var cases = ValidChat.SelectMany(body => Gen.Elements(WrongValues).Select(wrong => (Body: body, wrong.Field, wrong.Value)));
        Check.One(Config, Prop.ForAll(Arb.From(cases), c =>
        {
            var body = c.Body.DeepClone().AsObject();
            body[c.Field] = c.Value?.DeepClone();
            var ok = OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.ChatCompletions, out _, out var error);

            Assert.False(ok, $"{c.Field} = {c.Value?.ToJsonString()} was accepted");
            Assert.Equal(400, error!.Status);
            Assert.StartsWith(c.Field, error.Param ?? "", StringComparison.Ordinal);
        }));
    }

    [Fact]
    public void AnyMessageWithAWrongPart_Is400_NamingThePart()
    {
        var wrongParts = Gen.Elements<JsonNode?>(1, "text", new JsonArray(), new JsonObject(), new JsonObject { ["type"] = 3 },
            new JsonObject { ["type"] = "text" }, new JsonObject { ["type"] = "text", ["text"] = 5 }, new JsonObject { ["type"] = "" });
        var cases = from body in ValidChat
                    from index in Gen.Choose(0, 3)
                    from part in wrongParts
                    select (Body: body, Index: index, Part: part);
        Check.One(Config, Prop.ForAll(Arb.From(cases), c =>
        {
            var body = c.Body.DeepClone().AsObject();
            var messages = body["messages"]!.AsArray();
            var at = c.Index % messages.Count;
            messages[at]!["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "ok" }, c.Part?.DeepClone());
            var ok = OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.ChatCompletions, out _, out var error);

            Assert.False(ok);
            Assert.StartsWith($"messages[{at}].content[1]", error!.Param ?? "", StringComparison.Ordinal);
        }));
    }

    [Fact]
    public void AnyBytes_GiveAResultOrA400_NeverAnException()
    {
        var mutated = from body in ValidChat
                      from kind in Gen.Elements(ApiKind.ChatCompletions, ApiKind.Completions, ApiKind.Embeddings, ApiKind.Responses)
                      from cut in Gen.Choose(0, 400)
                      from at in Gen.Choose(0, 400)
                      from b in Gen.Choose(0, 255)
                      from how in Gen.Choose(0, 5)
                      select (Bytes: Mutate(Encoding.UTF8.GetBytes(body.ToJsonString()), cut, at, (byte)b, how), Kind: kind);
        Check.One(Config.WithMaxTest(3000), Prop.ForAll(Arb.From(mutated), c =>
        {
            var ok = OpenAiRequest.TryParse(c.Bytes, c.Kind, out var request, out var error);
            Assert.True(ok ? request is not null && error is null : request is null && error is { Status: 400 });
        }));
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"\ud800"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x\udfff"}]}""")]
    [InlineData("""{"model":"m","\ud800":1,"messages":[{"role":"user","content":"x"}]}""")]
    public void LoneSurrogateEscape_Is400(string json)
    {
        Assert.False(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(json), ApiKind.ChatCompletions, out _, out var error));
        Assert.Equal("invalid_encoding", error!.Code);
    }

    [Fact]
    public void SurrogatePairEscape_IsText()
    {
        Assert.True(OpenAiRequest.TryParse("""{"model":"m","messages":[{"role":"user","content":"\ud83d\ude80"}]}"""u8, ApiKind.ChatCompletions, out var request, out _));
        Assert.Equal("🚀", request!.LastUserText);
    }

    private static Gen<List<T>> Between<T>(Gen<T> item, int min, int max) =>
        Gen.Choose(min, max).SelectMany(count => Gen.ListOf(item, count).Select(items => items.ToList()));

    private static byte[] Mutate(byte[] bytes, int cut, int at, byte value, int how)
    {
        var i = bytes.Length == 0 ? 0 : at % bytes.Length;
        return how switch
        {
            0 => bytes[..Math.Min(cut, bytes.Length)],                           // truncated
            1 => [.. bytes[..i], value, .. bytes[i..]],                          // a byte inserted (invalid UTF-8 too)
            2 => bytes.Length == 0 ? bytes : [.. bytes[..i], .. bytes[(i + 1)..]], // a byte lost
            3 => [.. bytes[..i], .. "\\ud800"u8, .. bytes[i..]],                 // an escape in the wrong place
            4 => [.. Encoding.UTF8.GetBytes(new string('[', 70)), .. bytes],    // deep nesting
            _ => [.. bytes[..i], .. "1e999"u8, .. bytes[i..]],                    // a huge number
        };
    }

    private static JsonObject Build(string model, List<JsonObject> messages, double? temperature, double? topP, int? max, int? n, bool? stream, bool? usage,
        JsonNode? stop, long? seed)
    {
        var body = new JsonObject { ["model"] = model, ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)m.DeepClone())]) };
        Set(body, "temperature", temperature);
        Set(body, "top_p", topP);
        Set(body, "max_tokens", max);
        Set(body, "n", n);
        Set(body, "stream", stream);
        Set(body, "seed", seed);
        if (usage is { } include)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = include };
        }

        if (stop is not null)
        {
            body["stop"] = stop.DeepClone();
        }

        return body;

        static void Set<T>(JsonObject body, string name, T? value)
            where T : struct
        {
            if (value is { } v)
            {
                body[name] = JsonValue.Create(v);
            }
        }
    }
}
