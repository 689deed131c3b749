using System.Diagnostics;
using System.Net;
using GreenGateway.Tests.Support;

namespace GreenGateway.Endpoints.Tests;

/// <summary>
/// The README's quick start, as a user runs it: the gateway as its own process with the shipped
/// appsettings.json and policies, GG_UPSTREAM_URL pointing at an OpenAI-compatible server, and the
/// documented demo key.
/// </summary>
public sealed class QuickStartTests
{
    [Fact]
    public async Task GatewayProcess_WithUpstreamUrlAndDemoKey_AnswersWithEnergy_AndShowsItInUsage()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        var port = Loopback.FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "GreenGateway.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["GG_UPSTREAM_URL"] = upstream.BaseUrl;
        using var gateway = Process.Start(start)!;
        gateway.OutputDataReceived += (_, _) => { };
        gateway.ErrorDataReceived += (_, _) => { };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            client.DefaultRequestHeaders.Authorization = new("Bearer", "gg-demo");
            await WaitUntilListeningAsync(client, gateway);

            var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
            var body = await Json.ReadObjectAsync(response);
            var usage = await Json.ConsumedJoulesAsync(client);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(FakeOpenAiUpstream.Answer, body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
            Assert.True(body["usage"]!["energy_joules"]!.GetValue<double>() > 0);
            Assert.True(body["usage"]!["carbon_gco2e"]!.GetValue<double>() > 0);
            Assert.Equal(body["usage"]!["energy_joules"]!.GetValue<double>(), usage, 9);
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            await gateway.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// The README's first answer and its OpenAI SDK snippet, against the shipped defaults (appsettings.json, policies/,
    /// the demo models, the in-process model server) with the demo key.
    /// </summary>
    [Fact]
    public async Task ReadmeFirstAnswer_AndSdkSnippet_WorkAsWritten()
    {
        var root = Repository.Root;
        var port = Loopback.FreePort();
        await using var app = GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Gateway:PoliciesPath"] = Path.Combine(root, "policies"),
            ["ModelServer:Model"] = Path.Combine(root, "models", "target"),
            ["Cascade:Draft:Model"] = Path.Combine(root, "models", "draft"),
            ["Cascade:Router:Model"] = Path.Combine(root, "models", "router", "router.zip"),
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", "gg-demo");

        // README, "First answer": the curl request's body, as written.
        var response = await client.PostAsync("/v1/chat/completions", Json.Body("""
            {"model": "target", "temperature": 0, "messages": [{"role": "user", "content": "What does System.String.Trim do?"}]}
            """), TestContext.Current.CancellationToken);
        var body = await Json.ReadObjectAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Removes all leading and trailing white-space characters from the current string.", body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        foreach (var header in (string[])["X-GG-Tier", "X-GG-Energy-J", "X-GG-Carbon-g", "X-GG-Baseline-Energy-J", "X-GG-Energy-Method", "X-GG-Baseline-Method"])
        {
            Assert.True(response.Headers.Contains(header), header);
        }

        Assert.Equal(body["usage"]!["energy_joules"]!.GetValue<double>(), await Json.ConsumedJoulesAsync(client), 9);

        // README, "With the official OpenAI .NET SDK", as written.
        var chat = new OpenAI.Chat.ChatClient("target", new System.ClientModel.ApiKeyCredential("gg-demo"),
            new OpenAI.OpenAIClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}/v1") });
        var answer = await chat.CompleteChatAsync([new OpenAI.Chat.UserChatMessage("What does System.String.Trim do?")], cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(string.IsNullOrWhiteSpace(answer.Value.Content[0].Text));

        // README, the Responses API with the SDK, as written: the same cascade and figures, in the Responses API's shape.
        var responses = new OpenAI.Responses.ResponsesClient(new System.ClientModel.ApiKeyCredential("gg-demo"),
            new OpenAI.Responses.ResponsesClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}/v1") });
        var created = await responses.CreateResponseAsync("target", "What does System.String.Trim do?", null, TestContext.Current.CancellationToken);
        Assert.False(string.IsNullOrWhiteSpace(created.Value.GetOutputText()));
        Assert.True(created.Value.Usage.Patch.GetDouble("$.energy_joules"u8) > 0);
        Assert.True(created.GetRawResponse().Headers.TryGetValue("X-GG-Tier", out _));
        await app.StopAsync(TestContext.Current.CancellationToken);
    }


    private static async Task WaitUntilListeningAsync(HttpClient client, Process gateway)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(gateway.HasExited, "the gateway process exited");
            try
            {
                if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail("the gateway did not start listening within 30 s");
    }
}
