using System.Text;
using System.Text.Json.Nodes;

namespace GreenGateway.Core.Requests.Tests;

public sealed class OpenAiRequestTests
{
    [Fact]
    public void TryParse_ValidChatCompletion_ReadsTheFieldsTheGatewayUses()
    {
        var request = Parse(ApiKind.ChatCompletions, """
            {"model": "llama-8b", "messages": [{"role": "user", "content": "Hello there"}],
             "stream": true, "stream_options": {"include_usage": true}, "max_tokens": 64, "n": 2, "temperature": 0.7, "top_p": 1}
            """);

        Assert.Equal(ApiKind.ChatCompletions, request.Kind);
        Assert.Equal("llama-8b", request.Model);
        Assert.True(request.Stream);
        Assert.True(request.ClientWantsStreamUsage);
        Assert.Equal(64, request.MaxTokens);
        Assert.Equal(2, request.Choices);
    }

    [Fact]
    public void TryParse_MinimalChatCompletion_HasDefaults()
    {
        var request = Parse(ApiKind.ChatCompletions, """{"model": "m", "messages": [{"role": "user", "content": "hi"}]}""");

        Assert.False(request.Stream);
        Assert.False(request.ClientWantsStreamUsage);
        Assert.Null(request.MaxTokens);
        Assert.Equal(1, request.Choices);
    }

    [Fact]
    public void TryParse_ValidCompletion_ReadsPromptAndLimits()
    {
        var request = Parse(ApiKind.Completions, """{"model": "m", "prompt": "Once upon a time", "max_tokens": 16, "stream": false}""");

        Assert.Equal(ApiKind.Completions, request.Kind);
        Assert.Equal(16, request.MaxTokens);
        Assert.False(request.Stream);
        Assert.Equal(4, request.PromptTokenEstimate);
    }

    [Fact]
    public void TryParse_ValidEmbeddings_ReadsInput()
    {
        var request = Parse(ApiKind.Embeddings, """{"model": "embed", "input": ["first text", "second text"], "stream": false}""");

        Assert.Equal(ApiKind.Embeddings, request.Kind);
        Assert.Equal("embed", request.Model);
        Assert.False(request.Stream);
        Assert.Equal(6, request.PromptTokenEstimate);
    }

    public static TheoryData<ApiKind, string, string?, string?> BadRequests => new()
    {
        // Body and model.
        { ApiKind.ChatCompletions, "{\"model\": \"m\", ", null, "invalid_json" },
        { ApiKind.ChatCompletions, "", null, "invalid_json" },
        { ApiKind.ChatCompletions, "[1, 2]", null, "invalid_json" },
        { ApiKind.ChatCompletions, "\"text\"", null, "invalid_json" },
        { ApiKind.ChatCompletions, "null", null, "invalid_json" },
        { ApiKind.ChatCompletions, "{'messages': [{'role': 'user', 'content': 'x'}]}", "model", "missing_required_parameter" },
        { ApiKind.ChatCompletions, "{'model': null, 'messages': [{'role': 'user', 'content': 'x'}]}", "model", "missing_required_parameter" },
        { ApiKind.ChatCompletions, "{'model': '', 'messages': [{'role': 'user', 'content': 'x'}]}", "model", "invalid_type" },
        { ApiKind.Embeddings, "{'model': 42, 'input': 'x'}", "model", "invalid_type" },
        { ApiKind.Completions, "{'model': ['m'], 'prompt': 'x'}", "model", "invalid_type" },

        // Messages.
        { ApiKind.ChatCompletions, "{'model': 'm'}", "messages", "missing_required_parameter" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': []}", "messages", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': {'role': 'user'}}", "messages", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': 'hello'}", "messages", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'content': 'hi'}]}", "messages[0].role", "missing_required_parameter" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}, {'role': 7}]}", "messages[1].role", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}, 'hi']}", "messages[1]", "invalid_type" },

        // Prompt and input.
        { ApiKind.Completions, "{'model': 'm'}", "prompt", "missing_required_parameter" },
        { ApiKind.Completions, "{'model': 'm', 'prompt': 42}", "prompt", "invalid_type" },
        { ApiKind.Completions, "{'model': 'm', 'prompt': {'text': 'x'}}", "prompt", "invalid_type" },
        { ApiKind.Embeddings, "{'model': 'm'}", "input", "missing_required_parameter" },
        { ApiKind.Embeddings, "{'model': 'm', 'input': true}", "input", "invalid_type" },

        // Streaming.
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'stream': 'yes'}", "stream", "invalid_type" },
        { ApiKind.Completions, "{'model': 'm', 'prompt': 'x', 'stream': 1}", "stream", "invalid_type" },
        { ApiKind.Embeddings, "{'model': 'm', 'input': 'x', 'stream': true}", "stream", null },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'stream': true, 'stream_options': true}", "stream_options", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'stream': true, 'stream_options': {'include_usage': 'yes'}}", "stream_options.include_usage", "invalid_type" },

        // Numbers.
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'max_tokens': -1}", "max_tokens", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'max_tokens': 1.5}", "max_tokens", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'max_tokens': '64'}", "max_tokens", "invalid_type" },
        { ApiKind.Completions, "{'model': 'm', 'prompt': 'x', 'max_tokens': 1e12}", "max_tokens", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'max_completion_tokens': -5}", "max_completion_tokens", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'n': 0}", "n", "invalid_value" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'n': -1}", "n", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'temperature': 'hot'}", "temperature", "invalid_type" },
        { ApiKind.Completions, "{'model': 'm', 'prompt': 'x', 'temperature': [1]}", "temperature", "invalid_type" },
        { ApiKind.ChatCompletions, "{'model': 'm', 'messages': [{'role': 'user', 'content': 'x'}], 'top_p': true}", "top_p", "invalid_type" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void TryParse_InvalidBody_Gives400NamingTheParameter(ApiKind kind, string json, string? param, string? code)
    {
        var error = Fail(kind, json.Replace('\'', '"'));

        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_request_error", error.Type);
        Assert.Equal(param, error.Param);
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void TryParse_TooDeeplyNestedBody_Gives400()
    {
        var json = "{\"model\": \"m\", \"prompt\": \"x\", \"extra\": " + new string('[', 100) + new string(']', 100) + "}";

        Assert.Equal("invalid_json", Fail(ApiKind.Completions, json).Code);
    }

    [Theory]
    [InlineData("""{"model": "a", "model": "b", "prompt": "x"}""")]
    [InlineData("""{"model": "a", "prompt": [{"text": "x", "text": "y"}]}""")]
    public void TryParse_BodyWithDuplicateProperty_Gives400(string json)
    {
        // A client's mistake must come back as a 400, never escape as an exception (a 500).
        var error = Fail(ApiKind.Completions, json);

        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_json", error.Code);
    }

    [Fact]
    public void TryParse_WithNullOptionalFields_TreatsThemAsAbsent()
    {
        var request = Parse(ApiKind.ChatCompletions, """
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": null, "stream_options": null,
             "max_tokens": null, "n": null, "temperature": null}
            """);

        Assert.False(request.Stream);
        Assert.False(request.ClientWantsStreamUsage);
        Assert.Null(request.MaxTokens);
        Assert.Equal(1, request.Choices);
    }

    [Fact]
    public void MaxTokens_WithBothFields_PrefersMaxCompletionTokens()
    {
        var request = Parse(ApiKind.ChatCompletions, """{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 100, "max_completion_tokens": 30}""");

        Assert.Equal(30, request.MaxTokens);
    }

    [Fact]
    public void MaxTokens_WithMaxCompletionTokensOnly_UsesIt()
    {
        var request = Parse(ApiKind.ChatCompletions, """{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_completion_tokens": 0}""");

        Assert.Equal(0, request.MaxTokens);
    }

    [Theory]
    [InlineData("""{"include_usage": true}""", true)]
    [InlineData("""{"include_usage": false}""", false)]
    [InlineData("{}", false)]
    [InlineData("null", false)]
    public void ClientWantsStreamUsage_FollowsStreamOptionsIncludeUsage(string options, bool wants)
    {
        var request = Parse(ApiKind.ChatCompletions, $$"""{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": true, "stream_options": {{options}}}""");

        Assert.Equal(wants, request.ClientWantsStreamUsage);
    }

    [Fact]
    public void PromptTokenEstimate_GrowsWithTheText()
    {
        var shorter = Parse(ApiKind.ChatCompletions, Chat("Summarise this."));
        var longer = Parse(ApiKind.ChatCompletions, Chat(string.Join(' ', Enumerable.Repeat("Summarise this paragraph carefully.", 40))));

        Assert.True(longer.PromptTokenEstimate > shorter.PromptTokenEstimate * 10, $"{longer.PromptTokenEstimate} vs {shorter.PromptTokenEstimate}");
    }

    [Fact]
    public void PromptTokenEstimate_ForChat_CountsEachMessageAndItsText()
    {
        // Two messages of 4 overhead tokens each; "Hello there" is 11 characters = 3 tokens; a content
        // part array counts its text parts only.
        var request = Parse(ApiKind.ChatCompletions, """
            {"model": "m", "messages": [
              {"role": "system", "content": "Hello there"},
              {"role": "user", "content": [{"type": "text", "text": "Hello there"}, {"type": "image_url", "image_url": {"url": "http://x/very/long/url/to/an/image.png"}}]}
            ]}
            """);

        Assert.Equal(4 + 3 + 4 + 3, request.PromptTokenEstimate);
    }

    [Theory]
    [InlineData(ApiKind.Completions, "prompt")]
    [InlineData(ApiKind.Embeddings, "input")]
    public void PromptTokenEstimate_ForTokenIdArrays_CountsOnePerId(ApiKind kind, string field)
    {
        var flat = Parse(kind, $$"""{"model": "m", "{{field}}": [101, 2023, 2003, 1037, 3231, 102]}""");
        var nested = Parse(kind, $$"""{"model": "m", "{{field}}": [[101, 2023], [2003, 1037, 3231]]}""");

        Assert.Equal(6, flat.PromptTokenEstimate);
        Assert.Equal(5, nested.PromptTokenEstimate);
    }

    [Fact]
    public void UpstreamBody_KeepsFieldsTheGatewayDoesNotKnow()
    {
        var request = Parse(ApiKind.ChatCompletions, """
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "guided_json": {"type": "object"}, "repetition_penalty": 1.1, "user": "u-7"}
            """);

        Assert.Equal("""{"type":"object"}""", request.UpstreamBody["guided_json"]!.ToJsonString());
        Assert.Equal(1.1, request.UpstreamBody["repetition_penalty"]!.GetValue<double>());
        Assert.Equal("u-7", request.UpstreamBody["user"]!.GetValue<string>());
        Assert.Equal("hi", request.UpstreamBody["messages"]![0]!["content"]!.GetValue<string>());
    }

    private static string Chat(string content) =>
        new JsonObject { ["model"] = "m", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = content }) }.ToJsonString();

    private static OpenAiRequest Parse(ApiKind kind, string json)
    {
        var ok = OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(json), kind, out var request, out var error);

        Assert.True(ok, error?.Message);
        Assert.Null(error);
        return request!;
    }

    private static RequestError Fail(ApiKind kind, string json)
    {
        var ok = OpenAiRequest.TryParse(Encoding.UTF8.GetBytes(json), kind, out var request, out var error);

        Assert.False(ok);
        Assert.Null(request);
        return error!;
    }
}
