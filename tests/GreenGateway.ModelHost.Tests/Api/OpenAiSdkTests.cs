using System.ClientModel;
using System.Globalization;
using System.Text;
using GreenGateway.ModelHost.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace GreenGateway.ModelHost.Api.Tests;

/// <summary>The model server under the official OpenAI .NET SDK, serving the committed demo target.</summary>
public sealed class OpenAiSdkTests : IAsyncLifetime
{
    // The summary of System.String.Trim() in the .NET 10 reference docs, the target's training answer.
    private const string TrimAnswer = "Removes all leading and trailing white-space characters from the current string.";
    private ModelHostServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await ModelHostServer.StartAsync("target");

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private ChatClient Sdk() =>
        new("target", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.BaseAddress, "/v1") });

    [Fact]
    public async Task CompleteChat_WithOpenAiSdk_AnswersFromTheTrainedModel_WithUsageAndEnergy()
    {
        var result = await Sdk().CompleteChatAsync([new UserChatMessage("What does System.String.Trim do?")],
            new ChatCompletionOptions { Temperature = 0 }, TestContext.Current.CancellationToken);

        Assert.Equal(TrimAnswer, result.Value.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, result.Value.FinishReason);
        Assert.True(result.Value.Usage.InputTokenCount > 10);
        Assert.True(result.Value.Usage.OutputTokenCount > 5);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("X-Energy-Joules", out var joules));
        Assert.True(double.Parse(joules!, CultureInfo.InvariantCulture) > 0);
        Assert.True(headers.TryGetValue("X-Energy-Method", out var method));
        Assert.Contains(method, new[] { "rapl", "cpu-time-estimate" });
    }

    [Fact]
    public async Task CompleteChatStreaming_WithOpenAiSdk_StreamsTheSameAnswer_AndItsUsage()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Sdk().CompleteChatStreamingAsync([new UserChatMessage("What does System.String.Trim do?")],
            new ChatCompletionOptions { Temperature = 0 }, TestContext.Current.CancellationToken))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal(TrimAnswer, text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount > 5);
    }

    [Fact]
    public async Task CompleteChat_WithLogprobs_GivesEachTokenAndItsAlternatives()
    {
        var result = await Sdk().CompleteChatAsync([new UserChatMessage("What does System.String.Trim do?")],
            new ChatCompletionOptions { Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = 3, MaxOutputTokenCount = 4 },
            TestContext.Current.CancellationToken);

        var logprobs = result.Value.ContentTokenLogProbabilities;
        Assert.Equal(4, logprobs.Count);
        Assert.Equal(result.Value.Content[0].Text, string.Concat(logprobs.Select(static l => l.Token)));
        foreach (var l in logprobs)
        {
            Assert.Equal(3, l.TopLogProbabilities.Count);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(l.Token, l.TopLogProbabilities[0].Token);
            Assert.Equal(l.LogProbability, l.TopLogProbabilities[0].LogProbability, 5);
            Assert.True(l.LogProbability <= 0);
        }

        Assert.Equal(ChatFinishReason.Length, result.Value.FinishReason);
    }

    [Fact]
    public async Task UnknownModel_Returns404_ThroughTheSdk()
    {
        var other = new ChatClient("no-such-model", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(_server.BaseAddress, "/v1") });

        var e = await Assert.ThrowsAsync<ClientResultException>(() => other.CompleteChatAsync([new UserChatMessage("hi")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(404, e.Status);
    }
}
