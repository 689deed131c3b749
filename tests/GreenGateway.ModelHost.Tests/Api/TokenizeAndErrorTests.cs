using System.Net;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Api.Tests;

/// <summary>/tokenize, /detokenize, /v1/models and the OpenAI-style 400s.</summary>
public sealed class TokenizeAndErrorTests(DraftServerFixture fixture) : IClassFixture<DraftServerFixture>
{
    private ModelHostServer Server => fixture.Server;

    [Theory]
    [InlineData("What does System.String.Trim do?")]
    [InlineData("Ünïcödé ✓ and 漢字, tabs\tand  spaces")]
    public async Task TokenizeThenDetokenize_GivesTheTextBack(string text)
    {
        var (_, tokenized) = await Server.PostAsync("/tokenize", new { prompt = text });
        var tokens = tokenized["tokens"]!.AsArray().Select(static t => t!.GetValue<int>()).ToArray();
        Assert.Equal(tokens.Length, tokenized["count"]!.GetValue<int>());
        Assert.Equal(512, tokenized["max_model_len"]!.GetValue<int>());

        var (_, detokenized) = await Server.PostAsync("/detokenize", new { tokens });

        Assert.Equal(text, detokenized["prompt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tokenize_Messages_EndsWithTheAssistantHeader()
    {
        var (_, body) = await Server.PostAsync("/tokenize", new { messages = new[] { new { role = "user", content = "hi" } }, return_token_strs = true });

        var strs = body["token_strs"]!.AsArray().Select(static t => t!.GetValue<string>()).ToArray();
        Assert.Equal("<|im_start|>", strs[0]);
        Assert.Equal(["<|im_start|>", "assistant", "Ċ"], strs[^3..]);
    }

    [Fact]
    public async Task TokenIdOutOfRange_Returns400_InOpenAiShape()
    {
        var (response, body) = await Server.PostAsync("/v1/completions", new { prompt = new[] { 1, 6144 }, max_tokens = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
        Assert.Equal("invalid_token_id", body["error"]!["code"]!.GetValue<string>());
        Assert.Contains("6144", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detokenize_TokenIdOutOfRange_Returns400()
    {
        var (response, body) = await Server.PostAsync("/detokenize", new { tokens = new[] { -1 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_token_id", body["error"]!["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(500, 20)]
    [InlineData(512, null)]
    public async Task ContextTooLong_Returns400_WithContextLengthExceeded(int promptTokens, int? maxTokens)
    {
        var prompt = Enumerable.Repeat(300, promptTokens).ToArray();

        var (response, body) = await Server.PostAsync("/v1/completions", new { prompt, max_tokens = maxTokens });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("context_length_exceeded", body["error"]!["code"]!.GetValue<string>());
        Assert.Contains("maximum context length is 512", body["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadFields_Return400_ListingEveryProblem()
    {
        var (response, body) = await Server.PostAsync("/v1/completions", new { prompt = "x", temperature = 5, top_p = 0, max_tokens = -1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = body["error"]!["message"]!.GetValue<string>();
        Assert.Contains("temperature", message, StringComparison.Ordinal);
        Assert.Contains("top_p", message, StringComparison.Ordinal);
        Assert.Contains("max_tokens", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_ListsTheServedModel()
    {
        using var client = Server.Client();
        var text = await client.GetStringAsync("/v1/models", TestContext.Current.CancellationToken);
        var body = System.Text.Json.Nodes.JsonNode.Parse(text)!;

        Assert.Equal("draft", body["data"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(512, body["data"]![0]!["max_model_len"]!.GetValue<int>());
    }

    [Fact]
    public async Task StreamedCompletion_JoinsToTheNonStreamedText()
    {
        var request = new { prompt = "<|im_start|>user\nWhat does System.Math.Abs do?<|im_end|>\n<|im_start|>assistant\n", temperature = 0, max_tokens = 24 };
        var (_, plain) = await Server.PostAsync("/v1/completions", request);

        using var client = Server.Client();
        using var response = await client.PostAsync("/v1/completions",
            System.Net.Http.Json.JsonContent.Create(new { request.prompt, request.temperature, request.max_tokens, stream = true }), TestContext.Current.CancellationToken);
        var events = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(static e => e["data: ".Length..]).ToList();

        Assert.Equal("[DONE]", events[^1]);
        var text = string.Concat(events.SkipLast(1).Select(static e => System.Text.Json.Nodes.JsonNode.Parse(e)!["choices"]![0]!["text"]!.GetValue<string>()));
        Assert.Equal(plain["choices"]![0]!["text"]!.GetValue<string>(), text);
        Assert.True(response.Headers.Contains("X-Energy-Method"));
    }
}
