using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GreenGateway.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Telemetry.Tests;

/// <summary>The GreenGateway meter's figures, and OTLP export to a real collector endpoint.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task CompletedRequest_IsCountedInTheGreenGatewayMeter_ByTenantModelAndTier()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl]);
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        var energy = new ConcurrentBag<(double Value, string? Tenant, string? Model, string? Tier)>();
        var tokens = new ConcurrentBag<(long Value, string? Type)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this gateway's meter: other tests run gateways in the same process.
            if (instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "gg.energy")
            {
                energy.Add((value, Tag(tags, "tenant"), Tag(tags, "model"), Tag(tags, "tier")));
            }
        });
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "gg.tokens")
            {
                tokens.Add((value, Tag(tags, "type")));
            }
        });
        listener.Start();
        using var client = gateway.Client();

        var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
        var charged = double.Parse(response.Headers.GetValues("X-GG-Energy-J").Single(), System.Globalization.CultureInfo.InvariantCulture);

        // The meter is written as the request is settled, just after its last byte.
        for (var i = 0; i < 100 && energy.IsEmpty; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var measurement = Assert.Single(energy);
        Assert.Equal("alpha", measurement.Tenant);
        Assert.Equal(charged, measurement.Value, 9);
        Assert.Equal("echo-model", measurement.Model);
        Assert.Equal("upstream", measurement.Tier);
        Assert.Contains(tokens, t => t.Type == "prompt" && t.Value == FakeOpenAiUpstream.PromptTokens);
        Assert.Contains(tokens, t => t.Type == "completion" && t.Value == 4);
    }

    [Fact]
    public async Task WithOtlpEndpoint_TracesAndMetricsAreExported()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        var gateway = await GatewayHost.StartAsync([upstream.BaseUrl], settings: new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = collector.Address,
        });
        using (var client = gateway.Client())
        {
            var response = await client.PostAsync("/v1/chat/completions", Json.Body(Json.Chat("echo-model")), TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode);
        }

        // Stopping the gateway disposes the providers, which flush what they hold.
        await gateway.DisposeAsync();

        Assert.Contains("/v1/traces", collector.Received.Keys);
        Assert.Contains("/v1/metrics", collector.Received.Keys);
        Assert.True(collector.Received["/v1/traces"] > 0);
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
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

    /// <summary>A real HTTP endpoint that accepts OTLP/HTTP protobuf exports and counts the bytes per signal.</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private OtlpCollector(WebApplication app, ConcurrentDictionary<string, long> received, string address)
        {
            _app = app;
            Received = received;
            Address = address;
        }

        public ConcurrentDictionary<string, long> Received { get; }

        public string Address { get; }

        public static async Task<OtlpCollector> StartAsync()
        {
            var received = new ConcurrentDictionary<string, long>();
            var (app, address) = await Loopback.StartAsync(app => app.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer);
                Assert.Equal("application/x-protobuf", context.Request.ContentType);
                received.AddOrUpdate("/v1/" + signal, buffer.Length, (_, total) => total + buffer.Length);
                return Results.Ok();
            }));
            return new OtlpCollector(app, received, address);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
