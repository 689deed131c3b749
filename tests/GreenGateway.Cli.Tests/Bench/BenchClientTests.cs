using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using GreenGateway.Cli.Workloads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Cli.Bench.Tests;

/// <summary>The benchmark's client and runner against a real Kestrel server that answers like the gateway.</summary>
public sealed class BenchClientTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Question, string? Tiers, string? Auth, JsonNode Body)> _seen = new();
    private WebApplication? _app;
    private Uri? _url;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!;
            var question = body["messages"]![0]!["content"]!.GetValue<string>();
            string? tiers = context.Request.Headers["X-GG-Tiers"];
            _seen.Enqueue((question, tiers, context.Request.Headers.Authorization, body));
            if (context.Request.Headers.Authorization != "Bearer gg-test")
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("""{"error":{"message":"unknown key"}}""");
                return;
            }

            var alone = tiers == "upstream";
            var tier = alone ? "upstream" : question.StartsWith("What is", StringComparison.Ordinal) ? "rules" : "speculative";
            context.Response.Headers["X-GG-Tier"] = tier;
            var usage = new JsonObject
            {
                ["prompt_tokens"] = 10,
                ["completion_tokens"] = 8,
                ["energy_joules"] = alone ? 6.0 : 0.5,
                ["carbon_gco2e"] = alone ? 0.0008 : 0.0001,
                ["baseline_energy_joules"] = 6.0,
                ["tier"] = tier,
            };
            if (tier == "speculative")
            {
                usage["speculative"] = new JsonObject { ["proposed"] = 8, ["accepted"] = 6, ["verify_calls"] = 2, ["k"] = 4.0 };
            }

            var answer = new JsonObject
            {
                ["choices"] = new JsonArray(new JsonObject { ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "Answer to " + question } }),
                ["usage"] = usage,
            };
            await context.Response.WriteAsJsonAsync(answer);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _url = new Uri(address.TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private static WorkloadItem Item(string id, string question) => new() { Id = id, Messages = [new ChatTurn("user", question)], GroundTruth = "Answer to " + question };

    [Fact]
    public async Task Run_SendsEachItemTwice_AlternatingWhichArmGoesFirst()
    {
        using var http = new HttpClient();
        var runner = new BenchRunner(new BenchClient(http, _url!, "gg-test", "target", 32));
        WorkloadItem[] items = [Item("1", "What is 2 + 2?"), Item("2", "Explain System.String."), Item("3", "Explain System.Int32.")];

        var results = await runner.RunAsync(items, warmUps: 1, progress: null, TestContext.Current.CancellationToken);

        var seen = _seen.ToArray();
        Assert.Equal(8, seen.Length);
        Assert.Equal((BenchRunner.WarmUpPrompt, "upstream"), (seen[0].Question, seen[0].Tiers));
        Assert.Equal((BenchRunner.CascadeWarmUpPrompt, null), (seen[1].Question, seen[1].Tiers));
        // Item 1: cascade then alone; item 2: alone then cascade; item 3: cascade then alone.
        Assert.Equal("-,upstream,upstream,-,-,upstream", string.Join(',', seen.Skip(2).Select(s => s.Tiers ?? "-")));
        Assert.Equal(["What is 2 + 2?", "What is 2 + 2?", "Explain System.String.", "Explain System.String."], seen.Skip(2).Take(4).Select(s => s.Question).ToArray());
        Assert.All(seen, s => Assert.Equal("Bearer gg-test", s.Auth));
        Assert.All(seen, s => Assert.Equal(0, s.Body["temperature"]!.GetValue<int>()));
        Assert.All(seen, s => Assert.Equal(32, s.Body["max_tokens"]!.GetValue<int>()));
        Assert.Equal([true, false, true], results.Select(r => r.CascadeFirst).ToArray());
    }

    [Fact]
    public async Task Send_ReadsTierEnergyCarbonAndSpeculativeUsage()
    {
        using var http = new HttpClient();
        var client = new BenchClient(http, _url!, "gg-test", "target", 64);
        var ct = TestContext.Current.CancellationToken;

        var cascade = await client.SendAsync(Item("1", "Explain System.String."), upstreamOnly: false, ct);
        var alone = await client.SendAsync(Item("1", "Explain System.String."), upstreamOnly: true, ct);

        Assert.True(cascade.Ok);
        Assert.Equal("speculative", cascade.Tier);
        Assert.Equal("Answer to Explain System.String.", cascade.Content);
        Assert.Equal(0.5, cascade.EnergyJoules);
        Assert.Equal(0.0001, cascade.CarbonGrams);
        Assert.Equal(6.0, cascade.BaselineJoules);
        Assert.Equal(8, cascade.CompletionTokens);
        Assert.Equal(new SpeculativeUsage(8, 6, 2, 4.0), cascade.Speculative);
        Assert.True(cascade.LatencyMs > 0);
        Assert.Equal(("upstream", 6.0), (alone.Tier, alone.EnergyJoules));
        Assert.Null(alone.Speculative);
    }

    [Fact]
    public async Task Send_WithAWrongKey_ReportsTheErrorInsteadOfThrowing()
    {
        using var http = new HttpClient();
        var client = new BenchClient(http, _url!, "wrong", "target", 64);

        var response = await client.SendAsync(Item("1", "Explain System.String."), upstreamOnly: false, TestContext.Current.CancellationToken);

        Assert.False(response.Ok);
        Assert.Equal(401, response.Status);
        Assert.Contains("unknown key", response.Error);
    }
}
