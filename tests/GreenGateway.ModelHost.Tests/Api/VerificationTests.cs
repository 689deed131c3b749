using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Api.Tests;

/// <summary>vLLM-style verification: token-id prompts, prompt_logprobs, echo, max_tokens 0/1, and prefix reuse.</summary>
public sealed class VerificationTests(DraftServerFixture fixture) : IClassFixture<DraftServerFixture>
{
    private ModelHostServer Server => fixture.Server;

    private int[] Prompt(string question)
    {
        var tokenizer = Tokenizer.FromFile(Path.Combine(Server.ModelPath, "tokenizer.json"));
        return tokenizer.Encode(ChatTemplate.FromModelDirectory(Server.ModelPath).Render([new ChatMessage("user", question)]));
    }

    private async Task<IReadOnlyList<PromptTokenScore>> EngineScoresAsync(int[] prompt, int top)
    {
        using var model = ModelLoader.Load(Server.ModelPath, new LoadOptions { Threads = 1 });
        using var engine = new InferenceEngine(model, Tokenizer.FromFile(Path.Combine(Server.ModelPath, "tokenizer.json")));
        return await engine.ScorePromptAsync(prompt, top, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PromptLogprobs_AgreeWithTheEnginesOwnLogits()
    {
        var prompt = Prompt("What does System.Linq.Enumerable.Where do?");
        var expected = await EngineScoresAsync(prompt, 3);

        var (response, body) = await Server.PostAsync("/v1/completions", new { prompt, max_tokens = 1, temperature = 0, prompt_logprobs = 3 });

        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        var got = body["choices"]![0]!["prompt_logprobs"]!.AsArray();
        Assert.Equal(prompt.Length, got.Count);
        Assert.Null(got[0]);
        for (var i = 1; i < prompt.Length; i++)
        {
            var entry = got[i]!.AsObject();
            var given = entry[prompt[i].ToString(System.Globalization.CultureInfo.InvariantCulture)]!;
            Assert.Equal(expected[i].Logprob!.Value, given["logprob"]!.GetValue<float>(), 1e-4);
            foreach (var alt in expected[i].TopLogprobs)
            {
                var id = alt.TokenId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(alt.Logprob, entry[id]!["logprob"]!.GetValue<float>(), 1e-4);
            }

            // rank 1 is the engine's most likely token.
            var rank = given["rank"]!.GetValue<int>();
            Assert.Equal(expected[i].TopLogprobs[0].TokenId == prompt[i], rank == 1);
        }
    }

    [Fact]
    public async Task Verification_OfKMoreTokens_ReusesTheSeenPrefix_AndScoresAsFromScratch()
    {
        var prefix = Prompt("What is the return value of System.IO.File.ReadAllText?");
        int[] draft = [.. prefix, 319, 375, 302, 16];
        var expected = await EngineScoresAsync(draft, 0);

        var (_, first) = await Server.PostAsync("/v1/completions", new { prompt = prefix, max_tokens = 1, temperature = 0, prompt_logprobs = 0 });
        var (_, second) = await Server.PostAsync("/v1/completions", new { prompt = draft, max_tokens = 1, temperature = 0, prompt_logprobs = 0 });

        Assert.Equal(prefix.Length, second["usage"]!["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        var got = second["choices"]![0]!["prompt_logprobs"]!.AsArray();
        for (var i = prefix.Length - 2; i < draft.Length; i++)
        {
            var lp = got[i]![draft[i].ToString(System.Globalization.CultureInfo.InvariantCulture)]!["logprob"]!.GetValue<float>();
            Assert.Equal(expected[i].Logprob!.Value, lp, 1e-4);
        }

        Assert.Equal(1, first["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Echo_WithMaxTokensZero_ReturnsThePromptWithItsLogprobs()
    {
        var prompt = Prompt("Explain System.Guid.");

        var (response, body) = await Server.PostAsync("/v1/completions", new { prompt, max_tokens = 0, echo = true, logprobs = 2 });

        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        var choice = body["choices"]![0]!;
        var logprobs = choice["logprobs"]!;
        Assert.Equal(prompt.Length, logprobs["tokens"]!.AsArray().Count);
        Assert.Null(logprobs["token_logprobs"]![0]);
        Assert.All(logprobs["token_logprobs"]!.AsArray().Skip(1), static lp => Assert.True(lp!.GetValue<float>() <= 0));
        Assert.Equal(2, logprobs["top_logprobs"]![1]!.AsObject().Count);
        Assert.Equal(0, body["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal("length", choice["finish_reason"]!.GetValue<string>());
        Assert.Contains("Explain System.Guid.", choice["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
