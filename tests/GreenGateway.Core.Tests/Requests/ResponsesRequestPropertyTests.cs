using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace GreenGateway.Core.Requests.Tests;

/// <summary>
/// The Responses API's request over generated bodies: a valid body parses to the messages and parameters it says; a body
/// with one field or one input item wrong is a 400 naming it; a continuation puts the stored conversation first.
/// </summary>
public sealed class ResponsesRequestPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<string> Text =
        Gen.Elements("hi", "What does String.Trim do?", "", "é ü 漢字 🚀", "a\"quoted\"\\ line\nbreak", "12 * 7");

    private static readonly Gen<JsonNode> UserContent = Gen.OneOf(
        Text.Select(t => (JsonNode)JsonValue.Create(t)!),
        Between(Text, 1, 3).Select(parts => (JsonNode)new JsonArray([.. parts.Select(p => (JsonNode)new JsonObject { ["type"] = "input_text", ["text"] = p })])));

    /// <summary>One input item and the chat messages it reads as (a function call and its output are two).</summary>
    private static readonly Gen<(JsonObject[] Items, int Messages)> Item = Gen.OneOf(
        from role in Gen.Elements("user", "system", "developer")
        from content in UserContent
        from typed in Gen.Elements(true, false)
        select (new[] { Message(role, content, typed) }, 1),
        from text in Text
        select (new[] { Message("assistant", new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray() }), true) }, 1),
        from output in Text
        select (new[]
        {
            new JsonObject { ["type"] = "function_call", ["call_id"] = "call_1", ["name"] = "get_weather", ["arguments"] = "{\"city\":\"Paris\"}" },
            new JsonObject { ["type"] = "function_call_output", ["call_id"] = "call_1", ["output"] = output },
        }, 2));

    /// <summary>A valid Responses body and the number of chat messages it reads as.</summary>
    private static readonly Gen<(JsonObject Body, int Messages)> ValidResponses =
        from model in Gen.Elements("m", "llama-3.1-8b", "target")
        from items in Between(Item, 1, 4)
        from asString in Gen.Elements(true, false)
        from last in Text
        from instructions in Gen.OneOf(Gen.Constant((string?)null), Text.Select(t => (string?)t))
        from temperature in Gen.OneOf(Gen.Constant((double?)null), Gen.Choose(0, 200).Select(t => (double?)(t / 100.0)))
        from topP in Gen.OneOf(Gen.Constant((double?)null), Gen.Choose(1, 100).Select(t => (double?)(t / 100.0)))
        from max in Gen.OneOf(Gen.Constant((int?)null), Gen.Choose(0, int.MaxValue).Select(m => (int?)m))
        from stream in Gen.Elements<bool?>(null, true, false)
        from store in Gen.Elements<bool?>(null, true, false)
        from tools in Gen.Elements(true, false)
        from pairs in Gen.Choose(0, OpenAiRequest.MaxMetadataPairs)
        select Build(model, asString ? null : items, last, instructions, temperature, topP, max, stream, store, tools, pairs);

    [Fact]
    public void ValidBody_Parses_ToWhatItSays()
    {
        Check.One(Config, Prop.ForAll(Arb.From(ValidResponses), c =>
        {
            var body = c.Body;
            Assert.True(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.Responses, out var request, out var error), error?.Message);
            Assert.Equal(ApiKind.Responses, request!.Kind);
            Assert.Equal(body["model"]!.GetValue<string>(), request.Model);
            Assert.Equal(c.Messages, request.Messages.Count);
            Assert.Equal(body["max_output_tokens"]?.GetValue<int>(), request.MaxTokens);
            Assert.Equal(body["stream"]?.GetValue<bool>() ?? false, request.Stream);
            Assert.Equal(body["temperature"]?.GetValue<double>(), request.Parameters.Temperature);
            Assert.Equal(body["top_p"]?.GetValue<double>(), request.Parameters.TopP);
            Assert.Equal(body["store"]?.GetValue<bool>() ?? true, request.Responses!.Store);
            Assert.Equal(body["tools"] is null, request.LocalTiersMayAnswer);
            Assert.Equal(1, request.Choices);
            Assert.Equal("user", request.Messages[^1].Role);
            Assert.NotNull(request.LastUserText);
            Assert.True(request.PromptTokenBound >= request.PromptTokenEstimate, $"bound {request.PromptTokenBound} < estimate {request.PromptTokenEstimate}");
            Assert.All(request.Messages, m => Assert.NotNull(JsonNode.Parse(m.Json)!["role"]));
            if (body["tools"] is { } tools)
            {
                // An upstream's input_tokens counts the tool definitions the model read.
                var without = body.DeepClone().AsObject();
                without.Remove("tools");
                Assert.True(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(without.ToJsonString()), ApiKind.Responses, out var plain, out _));
                Assert.True(request.PromptTokenBound - plain!.PromptTokenBound >= Encoding.UTF8.GetByteCount(tools.ToJsonString()));
            }
        }));
    }

    /// <summary>A field and the values it must refuse: wrong types, and values out of range.</summary>
    private static readonly (string Field, JsonNode? Value)[] WrongValues =
    [
        ("model", 42), ("model", ""), ("input", 5), ("input", new JsonArray()), ("input", new JsonObject()), ("instructions", 3),
        ("temperature", "hot"), ("temperature", 2.5), ("top_p", 1.5), ("max_output_tokens", -1), ("max_output_tokens", 1.5),
        ("max_output_tokens", "64"), ("stream", "yes"), ("store", 1), ("previous_response_id", 7), ("previous_response_id", ""),
        ("metadata", "x"), ("metadata", new JsonObject { ["k"] = 1 }), ("tools", new JsonObject()), ("tools", new JsonArray(1)),
        ("tools", new JsonArray(new JsonObject { ["type"] = "function" })), ("tool_choice", "sometimes"), ("tool_choice", 3),
        ("text", "json"), ("text", new JsonObject { ["format"] = new JsonObject { ["type"] = "xml" } }),
        ("text", new JsonObject { ["format"] = new JsonObject { ["type"] = "json_schema", ["name"] = "s" } }),
        ("truncation", "sometimes"), ("parallel_tool_calls", 0), ("top_logprobs", 21), ("include", new JsonArray(1)),
        ("background", true), ("conversation", "conv_1"), ("user", 7), ("reasoning", "high"),
    ];

    [Fact]
    public void OneWrongField_Is400_NamingThatField()
    {
        var cases = ValidResponses.SelectMany(c => Gen.Elements(WrongValues).Select(wrong => (c.Body, wrong.Field, wrong.Value)));
        Check.One(Config, Prop.ForAll(Arb.From(cases), c =>
        {
            var body = c.Body.DeepClone().AsObject();
            body[c.Field] = c.Value?.DeepClone();
            var ok = OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.Responses, out _, out var error);

            Assert.False(ok, $"{c.Field} = {c.Value?.ToJsonString()} was accepted");
            Assert.Equal(400, error!.Status);
            Assert.StartsWith(c.Field, error.Param ?? "", StringComparison.Ordinal);
        }));
    }

    [Fact]
    public void AnyWrongInputItem_Is400_NamingTheItem()
    {
        var wrongItems = Gen.Elements<JsonNode?>(1, "hi", new JsonArray(), new JsonObject(), new JsonObject { ["type"] = "reasoning" },
            new JsonObject { ["role"] = "tool", ["content"] = "x" }, new JsonObject { ["role"] = "user" }, new JsonObject { ["role"] = "user", ["content"] = 5 },
            new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = "x" }) },
            new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "input_image", ["file_id"] = "f" }) },
            new JsonObject { ["type"] = "function_call", ["name"] = "f", ["arguments"] = "{}" },
            new JsonObject { ["type"] = "function_call_output", ["call_id"] = "c" });
        var cases = from c in ValidResponses
                    from index in Gen.Choose(0, 5)
                    from item in wrongItems
                    select (c.Body, Index: index, Item: item);
        Check.One(Config, Prop.ForAll(Arb.From(cases), c =>
        {
            var body = c.Body.DeepClone().AsObject();
            var items = body["input"] as JsonArray ?? [OpenAiRequest.UserMessageItem("hi")];
            var at = c.Index % (items.Count + 1);
            items.Insert(at, c.Item?.DeepClone());
            body["input"] = items.DeepClone();
            var ok = OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.Responses, out _, out var error);

            Assert.False(ok, $"{c.Item?.ToJsonString()} at {at} was accepted");
            Assert.StartsWith($"input[{at}]", error!.Param ?? "", StringComparison.Ordinal);
        }));
    }

    [Fact]
    public void Continuation_PutsTheStoredConversationFirst_AndIsPricedWhole()
    {
        Check.One(Config, Prop.ForAll(Arb.From(ValidResponses), c =>
        {
            var body = c.Body.DeepClone().AsObject();
            body["previous_response_id"] = "resp_1";
            Assert.True(OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(body.ToJsonString()), ApiKind.Responses, out var request, out _));
            var history = new JsonArray(OpenAiRequest.UserMessageItem("My name is Ada."),
                new JsonObject { ["type"] = "message", ["role"] = "assistant", ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = "Hello Ada." }) });

            Assert.True(request!.TryContinue(history, 1 << 20, out var continued, out var error), error?.Message);

            var instructions = string.IsNullOrEmpty(body["instructions"]?.GetValue<string>()) ? 0 : 1;
            Assert.Equal(c.Messages + 2, continued!.Messages.Count);
            Assert.Equal("My name is Ada.", continued.Messages[instructions].Text);
            Assert.Equal("Hello Ada.", continued.Messages[instructions + 1].Text);
            Assert.Equal("resp_1", continued.Responses!.ContinuedFrom);
            Assert.Null(continued.Responses.PreviousResponseId);
            Assert.Null(continued.UpstreamBody["previous_response_id"]);
            Assert.True(continued.PromptTokenEstimate > request.PromptTokenEstimate);
            Assert.True(continued.PromptTokenBound > request.PromptTokenBound);
            Assert.Equal(request.MaxTokens, continued.MaxTokens);
        }));
    }

    [Fact]
    public void Continuation_PastTheBodyLimit_Is400()
    {
        Assert.True(OpenAiRequest.TryParse("""{"model":"m","input":"hi","previous_response_id":"resp_1"}"""u8, ApiKind.Responses, out var request, out _));

        Assert.False(request!.TryContinue(new JsonArray(OpenAiRequest.UserMessageItem(new string('x', 2048))), 1024, out _, out var error));

        Assert.Equal("conversation_too_large", error!.Code);
        Assert.Equal("previous_response_id", error.Param);
    }

    private static JsonObject Message(string role, JsonNode content, bool typed)
    {
        var message = new JsonObject { ["role"] = role, ["content"] = content.DeepClone() };
        if (typed)
        {
            message["type"] = "message";
        }

        return message;
    }

    private static Gen<List<T>> Between<T>(Gen<T> item, int min, int max) =>
        Gen.Choose(min, max).SelectMany(count => Gen.ListOf(item, count).Select(items => items.ToList()));

    private static (JsonObject Body, int Messages) Build(string model, List<(JsonObject[] Items, int Messages)>? items, string last, string? instructions,
        double? temperature, double? topP, int? max, bool? stream, bool? store, bool tools, int pairs)
    {
        var body = new JsonObject { ["model"] = model };
        var messages = string.IsNullOrEmpty(instructions) ? 0 : 1;
        if (items is null)
        {
            body["input"] = last;
            messages++;
        }
        else
        {
            var input = new JsonArray();
            foreach (var (group, count) in items)
            {
                foreach (var item in group)
                {
                    input.Add(item.DeepClone());
                }

                messages += count;
            }

            // Ends with the user's turn, as a conversation does.
            input.Add(Message("user", JsonValue.Create(last)!, typed: false));
            body["input"] = input;
            messages++;
        }

        Set(body, "instructions", instructions);
        Set(body, "temperature", temperature);
        Set(body, "top_p", topP);
        Set(body, "max_output_tokens", max);
        Set(body, "stream", stream);
        Set(body, "store", store);
        if (tools)
        {
            body["tools"] = new JsonArray(new JsonObject { ["type"] = "function", ["name"] = "get_weather", ["parameters"] = new JsonObject { ["type"] = "object" } });
        }

        var metadata = new JsonObject();
        for (var i = 0; i < pairs; i++)
        {
            metadata[$"k{i}"] = $"v{i}";
        }

        body["metadata"] = metadata;
        return (body, messages);

        static void Set<T>(JsonObject body, string name, T value)
        {
            if (value is not null)
            {
                body[name] = JsonValue.Create(value);
            }
        }
    }
}
