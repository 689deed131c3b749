using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Inference.Tokenization;
using GreenGateway.ModelHost.Serving;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Serving.Tests;

/// <summary>
/// Tool calls read out of answers: the format each real template renders calls in (the repository's fixtures of
/// transformers' templates), each parser on well-formed, several, malformed and cut answers, and the streaming
/// scanner against the whole-answer parse at every split of the text into tokens.
/// </summary>
public sealed class ToolCallsTests
{
    private static string Fixture(string family) =>
        ModelHostServer.RepositoryPath("tests", "GreenGateway.Inference.Tests", "Tokenization", "Fixtures", "chat-templates", family + ".json");

    private static string TemplateSource(string family) => File.ReadAllText(Path.ChangeExtension(Fixture(family), ".jinja"));

    [Theory]
    [InlineData("qwen2.5", ToolCallFormat.Hermes)]
    [InlineData("hermes-2-pro", ToolCallFormat.Hermes)]
    [InlineData("mistral-v0.3", ToolCallFormat.Mistral)]
    [InlineData("mistral-nemo", ToolCallFormat.Mistral)]
    [InlineData("llama3.1", ToolCallFormat.Llama3Json)]
    [InlineData("llama3", ToolCallFormat.None)]
    [InlineData("qwen2", ToolCallFormat.None)]
    [InlineData("gemma2", ToolCallFormat.None)]
    [InlineData("phi3", ToolCallFormat.None)]
    [InlineData("mistral-v0.1", ToolCallFormat.None)]
    public void Detect_ReadsTheFormatFromTheTemplate(string family, ToolCallFormat expected)
    {
        Assert.Equal(expected, ToolCalls.Detect(TemplateSource(family)));
    }

    /// <summary>
    /// The template's own rendering of an assistant turn that called a tool (the fixture conversation, up to that
    /// turn, with transformers' template) parses back to the same call: what the model was trained to write is what
    /// the parser reads.
    /// </summary>
    [Theory]
    [InlineData("qwen2.5")]
    [InlineData("hermes-2-pro")]
    [InlineData("mistral-v0.3")]
    [InlineData("mistral-nemo")]
    [InlineData("llama3.1")]
    public void TheTemplatesRenderingOfACall_ParsesBackToTheCall(string family)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(Fixture(family)))!;
        var template = ChatTemplate.FromJinja(TemplateSource(family), fixture["bos_token"]?.GetValue<string>(), fixture["eos_token"]?.GetValue<string>());
        var item = fixture["cases"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "tool_call_and_result")!;
        var messages = item["messages"]!.AsArray();
        var tools = JsonSerializer.SerializeToElement(item["tools"]);
        var call = messages.Single(m => m!["tool_calls"] is not null)!;
        var upTo = messages.IndexOf(call);
        var with = template.Render(JsonSerializer.SerializeToElement(new JsonArray(messages.Take(upTo + 1).Select(m => m!.DeepClone()).ToArray())), false, tools);
        var format = ToolCalls.Detect(TemplateSource(family));

        // The assistant turn as the template wrote it: from its call marker (Llama 3: from its header) on.
        var start = format switch
        {
            ToolCallFormat.Hermes => with.LastIndexOf(ToolCalls.HermesStart, StringComparison.Ordinal),
            ToolCallFormat.Mistral => with.LastIndexOf(ToolCalls.MistralStart, StringComparison.Ordinal),
            _ => with.LastIndexOf("assistant<|end_header_id|>\n\n", StringComparison.Ordinal) + "assistant<|end_header_id|>\n\n".Length,
        };
        Assert.True(start > 0, with);
        var answer = with[start..];
        foreach (var end in new[] { "<|im_end|>", "</s>", "<|eom_id|>", "<|eot_id|>" })
        {
            // The end-of-turn token ends generation; it is not part of the decoded answer.
            answer = answer.Split(end)[0];
        }

        var (content, calls) = ToolCalls.Extract(answer, format);

        var expected = call["tool_calls"]![0]!["function"]!;
        var parsed = Assert.Single(calls);
        Assert.Null(content);
        Assert.Equal(expected["name"]!.GetValue<string>(), parsed.Name);
        Assert.True(JsonNode.DeepEquals(expected["arguments"], JsonNode.Parse(parsed.Arguments)), parsed.Arguments);
    }

    [Fact]
    public void Hermes_ReadsEveryBlock_AndKeepsTheTextBeforeAsContent()
    {
        var text = "Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": \"{\\\"zone\\\": \\\"CET\\\"}\"}\n</tool_call>";

        var (content, calls) = ToolCalls.Extract(text, ToolCallFormat.Hermes);

        Assert.Equal("Let me check both.", content);
        Assert.Equal(["get_weather", "get_time"], calls.Select(static c => c.Name));
        Assert.Equal("{\"city\":\"Paris\"}", calls[0].Arguments);
        Assert.Equal("{\"zone\": \"CET\"}", calls[1].Arguments); // arguments already a string stay as sent
        Assert.All(calls, static c => Assert.Matches("^call_[0-9a-f]{24}$", c.Id));
        Assert.NotEqual(calls[0].Id, calls[1].Id);
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Par")] // cut by max_tokens
    [InlineData("<tool_call>\n{\"arguments\": {}}\n</tool_call>")] // no name
    [InlineData("<tool_call>\nget_weather(city='Paris')\n</tool_call>")] // not JSON
    [InlineData("<tool_call>\n{\"name\": \"a\", \"arguments\": 5}\n</tool_call>")] // arguments neither object nor string
    [InlineData("The weather is fine.")]
    public void Hermes_AnAnswerWhoseCallDoesNotParse_StaysContent(string text)
    {
        var (content, calls) = ToolCalls.Extract(text, ToolCallFormat.Hermes);
        Assert.Empty(calls);
        Assert.Equal(text, content);
    }

    [Fact]
    public void Mistral_ReadsTheArray_AndKeepsTheModelsIds()
    {
        var (content, calls) = ToolCalls.Extract(
            "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abcDEF123\"}, {\"name\": \"get_time\", \"arguments\": {}}]",
            ToolCallFormat.Mistral);

        Assert.Null(content);
        Assert.Equal(["abcDEF123", "get_time"], [calls[0].Id, calls[1].Name]);
        Assert.Equal("{}", calls[1].Arguments);
        Assert.Empty(ToolCalls.Extract("[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {}", ToolCallFormat.Mistral).Calls);
    }

    [Theory]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", 1)]
    [InlineData("<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", 1)]
    [InlineData("  {\"name\": \"a\", \"parameters\": {\"s\": \"x;y\"}}; {\"name\": \"b\", \"arguments\": {}}", 2)]
    [InlineData("The answer is {\"name\": \"a\", \"parameters\": {}}", 0)] // a call is the whole answer, not part of one
    [InlineData("{\"name\": \"a\", \"parameters\": {}", 0)]
    public void Llama3Json_ReadsAWholeAnswerOfCalls(string text, int expected)
    {
        var (content, calls) = ToolCalls.Extract(text, ToolCallFormat.Llama3Json);
        Assert.Equal(expected, calls.Count);
        Assert.Equal(expected == 0 ? text : null, content);
    }

    public static TheoryData<ToolCallFormat, string> Answers => new()
    {
        { ToolCallFormat.Hermes, "Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>" },
        { ToolCallFormat.Hermes, "a < b and <tool but no call; <tool_call is not one either" },
        { ToolCallFormat.Hermes, "<tool_call>\n{\"name\": \"cut" },
        { ToolCallFormat.Mistral, "[TOOL_CALLS] [{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}]" },
        { ToolCallFormat.Mistral, "[TOOL is a word; [TOOL_CALL too" },
        { ToolCallFormat.Llama3Json, " {\"name\": \"get_time\", \"parameters\": {}}" },
        { ToolCallFormat.Llama3Json, "<|python_tag|>{\"name\": \"get_time\", \"parameters\": {}}" },
        { ToolCallFormat.Llama3Json, "<|py is not the tag, and {\"name\": 1} is text here" },
        { ToolCallFormat.Hermes, "Emoji 😀 before <tool_call>\n{\"name\": \"e\", \"arguments\": {}}\n</tool_call>" },
    };

    /// <summary>
    /// Streaming: at every split of the answer into two or three tokens, the streamed content plus what Finish gives is
    /// the whole-answer parse's content (or the whole text when no call parses), the calls are the same, and no
    /// released piece ends in a broken surrogate pair.
    /// </summary>
    [Theory]
    [MemberData(nameof(Answers))]
    public void Scanner_AtEverySplit_AgreesWithTheWholeAnswer(ToolCallFormat format, string text)
    {
        var (_, calls) = ToolCalls.Extract(text, format);
        var splits = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            for (var j = i; j <= text.Length; j += Math.Max(1, text.Length / 7))
            {
                var scanner = new ToolCallScanner(format);
                var streamed = new StringBuilder();
                foreach (var piece in new[] { text[..i], text[i..j], text[j..] })
                {
                    var released = scanner.Push(piece);
                    Assert.False(released.Length > 0 && char.IsHighSurrogate(released[^1]), $"split {i}/{j} released half a surrogate pair");
                    streamed.Append(released);
                }

                var (rest, finished) = scanner.Finish();
                streamed.Append(rest);
                Assert.Equal(calls.Select(static c => (c.Name, c.Arguments)), finished.Select(static c => (c.Name, c.Arguments)));
                Assert.Equal(calls.Count > 0 ? ContentAsStreamed(text, format) : text, streamed.ToString());
                splits++;
            }
        }

        Assert.True(splits > text.Length);
    }

    /// <summary>What a stream shows before the calls: the text up to the marker, untrimmed (the body trims it).</summary>
    private static string ContentAsStreamed(string text, ToolCallFormat format) => format switch
    {
        ToolCallFormat.Hermes => text[..text.IndexOf(ToolCalls.HermesStart, StringComparison.Ordinal)],
        ToolCallFormat.Mistral => text[..text.IndexOf(ToolCalls.MistralStart, StringComparison.Ordinal)],
        _ => "",
    };
}
