using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Tests.Support;

/// <summary>
/// A real Kestrel server on a free loopback port that speaks the OpenAI wire format. Its behaviour is
/// chosen by the requested model: <c>no-usage</c> never reports usage, <c>reported-energy</c> sends
/// <c>X-Energy-Joules: 10</c>, <c>slow</c> waits before answering, <c>stream-slow</c> streams one
/// chunk every 100 ms, <c>stream-break</c> drops the connection mid-stream, <c>tool-caller</c> calls the request's
/// first function tool; anything else answers normally. It serves chat completions, completions, embeddings and the
/// Responses API (<c>POST /v1/responses</c>, as an upstream with <c>ServesResponses</c>). It records every request it receives.
/// </summary>
internal sealed partial class FakeOpenAiUpstream : IAsyncDisposable
{
    public const string Answer = "Hello from the upstream";
    public const int PromptTokens = 11;
    private readonly WebApplication _app;
    private int _failuresLeft;

    private FakeOpenAiUpstream(WebApplication app, string name)
    {
        _app = app;
        Name = name;
        Map(app, name);
    }

    public string Name { get; }

    /// <summary>Base URL including the API prefix, as a gateway destination: http://127.0.0.1:port/v1.</summary>
    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Set when a streaming request was aborted by the other side (the gateway).</summary>
    public TaskCompletionSource StreamAborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Delay before every completion answer (a region's distance); default none.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Delay of the <c>slow</c> model.</summary>
    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The next <paramref name="count"/> completion requests get this status instead of an answer.</summary>
    public void FailNext(int count, int status = 503)
    {
        FailureStatus = status;
        Volatile.Write(ref _failuresLeft, count);
    }

    private int FailureStatus { get; set; } = 503;

    public static async Task<FakeOpenAiUpstream> StartAsync(string name = "upstream")
    {
        FakeOpenAiUpstream? upstream = null;
        var (app, address) = await Loopback.StartAsync(app => upstream = new FakeOpenAiUpstream(app, name));
        upstream!.BaseUrl = address.TrimEnd('/') + "/v1";
        return upstream;
    }

    private void Map(WebApplication app, string name)
    {
        var upstream = this;
        app.MapGet("/v1/models", () => Results.Json(new
        {
            @object = "list",
            data = new[] { "echo-model", "no-usage", "reported-energy", "slow", "stream-slow", "stream-break", "lying-energy", "lying-usage", "negative-usage", "counts-definitions", "not-json", "no-choices", "html-error", "tool-caller" }
                .Select(id => new { id, @object = "model", created = 0, owned_by = name }),
        }));
        app.MapPost("/v1/chat/completions", upstream.CompleteAsync);
        app.MapPost("/v1/completions", upstream.CompleteAsync);
        app.MapPost("/v1/embeddings", upstream.EmbedAsync);
        app.MapPost("/v1/responses", upstream.RespondAsync);
        app.MapPost("/v1/custom/generate", async (HttpContext context) =>
        {
            upstream.Record(context, (JsonObject?)await JsonNode.ParseAsync(context.Request.Body));
            await context.Response.WriteAsJsonAsync(new { output = Answer, usage = new { prompt_tokens = PromptTokens, completion_tokens = 4 } });
        });
        app.MapPost("/v1/vector_stores", async (HttpContext context) =>
        {
            upstream.Record(context, (JsonObject?)await JsonNode.ParseAsync(context.Request.Body));
            await context.Response.WriteAsJsonAsync(new { id = "vs-1", @object = "vector_store" });
        });
        app.MapPost("/v1/audio/speech", async (HttpContext context) =>
        {
            upstream.Record(context, (JsonObject?)await JsonNode.ParseAsync(context.Request.Body));
            context.Response.ContentType = "audio/mpeg";
            await context.Response.Body.WriteAsync(new byte[] { 0xFF, 0xFB, 0x90, 0x00 });
        });
        app.MapGet("/v1/vector_stores", (HttpContext context) =>
        {
            upstream.Record(context, null);
            return Results.Json(new { @object = "list", data = Array.Empty<object>(), served_by = name });
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private RecordedRequest Record(HttpContext context, JsonObject? body)
    {
        var recorded = new RecordedRequest(context.Request.Path, context.Request.Headers.Authorization.ToString(), body);
        Requests.Enqueue(recorded);
        return recorded;
    }

    private bool TakeFailure() => Interlocked.Decrement(ref _failuresLeft) >= 0;
}

internal sealed record RecordedRequest(string Path, string Authorization, JsonObject? Body)
{
    public string? Model => Body?["model"]?.GetValue<string>();
}
