using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using GreenGateway.Telemetry;
using GreenGateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Pipeline.Tests;

/// <summary>
/// A pass-through that cannot spend: a body to a <c>/v1</c> path the gateway does not account is refused unless listed in
/// <c>Gateway.PassThroughPaths</c>, and a listed path is charged by its rule (free, a fixed figure, or the answer's
/// tokens) through the same admission, ledger, metrics and settlement as the accounted endpoints.
/// </summary>
public sealed class PassThroughTests : IAsyncLifetime
{
    // One chat request costs about 3.2 J here; a day's budget of 0.001 Wh (3.6 J) admits two.
    private const string Policies = """
        tenants:
          alpha:
            keys: ["{alpha}"]
          tiny:
            keys: ["{tiny}"]
            budgets:
              day: { energy_wh: 0.001 }
        """;

    /// <summary>appsettings.json: llm-8b = 0.023 J/prompt token + 0.45 J/completion token, PUE 1.56.</summary>
    private const double TokensJoules = ((FakeOpenAiUpstream.PromptTokens * 0.023) + (4 * 0.45)) * 1.56;

    private FakeOpenAiUpstream _upstream = null!;
    private GatewayHost _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeOpenAiUpstream.StartAsync();
        _gateway = await GatewayHost.StartAsync([_upstream.BaseUrl], Policies, new Dictionary<string, string?>
        {
            ["Gateway:PassThroughPaths:0:Path"] = "/v1/audio/speech",
            ["Gateway:PassThroughPaths:0:Accounting"] = "fixed",
            ["Gateway:PassThroughPaths:0:JoulesPerRequest"] = "50",
            ["Gateway:PassThroughPaths:1:Path"] = "/v1/custom",
            ["Gateway:PassThroughPaths:1:Accounting"] = "tokens",
            ["Gateway:PassThroughPaths:2:Path"] = "/v1/vector_stores",
            ["Gateway:PassThroughPaths:2:Accounting"] = "free",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task UnlistedPath_WithABody_IsRefused_AndNeverForwarded()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/images/generations", Json.Body("""{"model":"echo-model","prompt":"a cat"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_endpoint", (await Json.ReadObjectAsync(response))["error"]!["code"]!.GetValue<string>());
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task FixedPath_IsChargedItsFigure_AndItsAnswerRelayedUnchanged()
    {
        using var client = _gateway.Client();
        var (listener, energy) = ListenToEnergy();
        using var _ = listener;

        var response = await client.PostAsync("/v1/audio/speech", Json.Body("""{"model":"tts-1","input":"Hello","voice":"alloy"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new byte[] { 0xFF, 0xFB, 0x90, 0x00 }, await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("audio/mpeg", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(50 * 1.56, double.Parse(response.Headers.GetValues("X-GG-Energy-J").Single(), CultureInfo.InvariantCulture), 9);
        Assert.Equal("tts-1", Assert.Single(_upstream.Requests).Model);
        Assert.Equal(50 * 1.56, await Json.ConsumedJoulesAsync(client), 9);
        var counted = await WaitForAsync(energy);
        Assert.Equal(("/v1/audio/speech", "passthrough"), (counted.Model, counted.Tier));
        Assert.Equal(50 * 1.56, counted.Value, 9);
    }

    [Fact]
    public async Task TokensPath_IsChargedTheUsageOfItsAnswer()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/custom/generate", Json.Body("""{"model":"echo-model","prompt":"Say hello","max_tokens":8}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json.ReadObjectAsync(response);
        Assert.Equal(FakeOpenAiUpstream.Answer, body["output"]!.GetValue<string>());
        Assert.Equal(TokensJoules, double.Parse(response.Headers.GetValues("X-GG-Energy-J").Single(), CultureInfo.InvariantCulture), 9);
        Assert.Equal(TokensJoules, await Json.ConsumedJoulesAsync(client), 9);
    }

    [Fact]
    public async Task FreePath_PassesUncharged()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/vector_stores", Json.Body("""{"name":"docs"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-GG-Energy-J"));
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    [Fact]
    public async Task SpentBudget_CannotGenerateThroughAnyPath()
    {
        using var client = _gateway.Client("key-tiny");
        for (var i = 0; i < 2; i++)
        {
            var spend = await client.PostAsync("/v1/custom/generate", Json.Body("""{"model":"echo-model","prompt":"Say hello"}"""), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, spend.StatusCode);
        }

        var forwardedBefore = _upstream.Requests.Count;
        var attempts = new (string Path, string Body)[]
        {
            ("/v1/chat/completions", Json.Chat("echo-model")),
            ("/v1/completions", """{"model":"echo-model","prompt":"Say hello"}"""),
            ("/v1/embeddings", """{"model":"echo-model","input":"Say hello"}"""),
            ("/v1/responses", """{"model":"echo-model","input":"Say hello"}"""),
            ("/V1/Responses/", """{"model":"echo-model","input":"Say hello"}"""),
            ("/v1/audio/speech", """{"model":"tts-1","input":"Hello","voice":"alloy"}"""),
            ("/v1/custom/generate", """{"model":"echo-model","prompt":"Say hello"}"""),
            ("/v1/custom//generate/", """{"model":"echo-model","prompt":"Say hello"}"""),
        };
        foreach (var (path, body) in attempts)
        {
            var refused = await client.PostAsync(path, Json.Body(body), TestContext.Current.CancellationToken);
            Assert.True(refused.StatusCode == HttpStatusCode.TooManyRequests, $"{path}: {refused.StatusCode}");
            Assert.Equal("budget_exhausted", (await Json.ReadObjectAsync(refused))["error"]!["code"]!.GetValue<string>());
        }

        var unlisted = await client.PostAsync("/v1/images/generations", Json.Body("""{"prompt":"a cat"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, unlisted.StatusCode);
        Assert.Equal(forwardedBefore, _upstream.Requests.Count);
    }

    [Fact]
    public async Task UpstreamError_OnAChargedPath_IsRelayedUncharged()
    {
        using var client = _gateway.Client();

        var response = await client.PostAsync("/v1/custom/missing", Json.Body("""{"prompt":"x"}"""), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("X-GG-Energy-J"));
        Assert.Equal(0, await Json.ConsumedJoulesAsync(client));
    }

    private (MeterListener Listener, ConcurrentBag<(double Value, string? Model, string? Tier)> Energy) ListenToEnergy()
    {
        var meters = _gateway.Services.GetRequiredService<IMeterFactory>();
        var energy = new ConcurrentBag<(double, string?, string?)>();
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "gg.energy")
            {
                energy.Add((value, Tag(tags, "model"), Tag(tags, "tier")));
            }
        });
        listener.Start();
        return (listener, energy);

        static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == name)
                {
                    return tag.Value?.ToString();
                }
            }

            return null;
        }
    }

    private static async Task<(double Value, string? Model, string? Tier)> WaitForAsync(ConcurrentBag<(double Value, string? Model, string? Tier)> measurements)
    {
        for (var i = 0; i < 100 && measurements.IsEmpty; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return Assert.Single(measurements);
    }
}
