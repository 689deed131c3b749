using System.ClientModel;
using System.Text.Json.Nodes;
using GreenGateway.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace GreenGateway.ModelServer.Tests;

/// <summary>
/// Out of the box: the gateway starts the project's model host with the shipped demo model and answers
/// through it, with the energy the model host measured.
/// </summary>
public sealed class DemoModelTests
{
    [Fact]
    public async Task Gateway_WithTheModelServerInProcess_AnswersFromTheDemoModel()
    {
        var port = Loopback.FreePort();
        await using var gateway = await GatewayHost.StartAsync([$"http://127.0.0.1:{port}/v1"], settings: new Dictionary<string, string?>
        {
            ["ModelServer:Mode"] = "in-process",
            ["ModelServer:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ModelServer:Model"] = Path.Combine(Repository.Root, "models", "target"),
        });
        var chat = new ChatClient("target", new ApiKeyCredential("key-alpha"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "/v1") });

        var result = await chat.CompleteChatAsync([new UserChatMessage("What does System.String.Trim do?")],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 40 }, TestContext.Current.CancellationToken);

        // The demo model learned the .NET API docs: its greedy answer is the documented summary.
        Assert.Contains("leading and trailing white-space", result.Value.Content[0].Text, StringComparison.Ordinal);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("X-GG-Energy-Method", out var method));
        Assert.Equal("upstream-reported", method);
        var usage = JsonNode.Parse(result.GetRawResponse().Content.ToString())!["usage"]!;
        Assert.True(usage["energy_joules"]!.GetValue<double>() > 0);
        Assert.True(usage["carbon_gco2e"]!.GetValue<double>() > 0);
    }

    [Fact]
    public async Task StreamedAnswer_IsChargedTheEnergyTheModelServerMeasured()
    {
        var port = Loopback.FreePort();
        await using var gateway = await GatewayHost.StartAsync([$"http://127.0.0.1:{port}/v1"], settings: new Dictionary<string, string?>
        {
            ["ModelServer:Mode"] = "in-process",
            ["ModelServer:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ModelServer:Model"] = Path.Combine(Repository.Root, "models", "target"),
        });
        using var client = gateway.Client();
        const string body = """{"model":"target","stream":true,"stream_options":{"include_usage":true},"temperature":0,"max_tokens":24,"messages":[{"role":"user","content":"What does System.Guid.NewGuid do?"}]}""";

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(body), TestContext.Current.CancellationToken);
        var events = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        var usage = JsonNode.Parse(events[^2]["data: ".Length..])!["usage"]!;
        Assert.Equal("upstream-reported", usage["energy_method"]!.GetValue<string>());
        Assert.True(usage["energy_joules"]!.GetValue<double>() > 0);
        Assert.Equal(usage["energy_joules"]!.GetValue<double>(), await Json.ConsumedJoulesAsync(client), 9);
    }

}
