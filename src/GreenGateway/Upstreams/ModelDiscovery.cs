using System.Net.Http.Headers;
using System.Text.Json;
using GreenGateway.Configuration;
using Microsoft.Extensions.Options;

namespace GreenGateway.Upstreams;

/// <summary>
/// Keeps <see cref="ModelCatalog"/> in step with what upstreams serve, by asking each destination's
/// <c>GET /models</c> (OpenAI, vLLM, llama.cpp server, Ollama and TGI all answer it). A request for an
/// unknown model triggers one early refresh, so that a model that appeared a moment ago is found.
/// </summary>
internal sealed partial class ModelDiscovery(
    IOptions<GatewayConfig> config,
    ModelCatalog catalog,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<ModelDiscovery> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinimumGap = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _completedAt = long.MinValue;

    /// <summary>Waits (at most <paramref name="limit"/>) until the first round of discovery has finished,
    /// so that a listing right after start-up is complete.</summary>
    public async Task WaitForFirstAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await _first.Task.WaitAsync(limit, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Answer with what is known; discovery goes on in the background.
        }
    }

    /// <summary>Refreshes now, unless a refresh finished within the last two seconds or while this one
    /// waited for it (the result is then as fresh as asked).</summary>
    public async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        var asked = time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var completed = Volatile.Read(ref _completedAt);
            if (completed != long.MinValue && (completed >= asked || time.GetElapsedTime(completed, asked) < MinimumGap))
            {
                return;
            }

            await RefreshCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            await RefreshAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await RefreshCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RefreshCoreAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, upstream) in config.Value.Upstreams)
        {
            if (upstream.DiscoverModels)
            {
                await DiscoverAsync(name, upstream, cancellationToken);
            }
        }

        Volatile.Write(ref _completedAt, time.GetTimestamp());
        _first.TrySetResult();
    }

    private async Task DiscoverAsync(string name, UpstreamOptions upstream, CancellationToken cancellationToken)
    {
        var models = new HashSet<string>(StringComparer.Ordinal);
        string? failure = null;
        foreach (var destination in upstream.Destinations)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(upstream.ConnectTimeoutSeconds + 2));
                using var request = new HttpRequestMessage(HttpMethod.Get, destination.TrimEnd('/') + "/models");
                if (upstream.ResolveApiKey() is { Length: > 0 } key)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                }

                using var response = await httpClients.CreateClient(nameof(ModelDiscovery)).SendAsync(request, timeout.Token);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                using var doc = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
                if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                {
                    foreach (var model in data.EnumerateArray())
                    {
                        if (model.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                        {
                            models.Add(id.GetString()!);
                        }
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                failure = e is OperationCanceledException ? "timed out" : e.Message;
                Log.DiscoveryFailed(logger, name, destination, failure);
            }
        }

        if (models.Count > 0 || failure is null)
        {
            catalog.SetDiscovered(name, models);
        }
        else
        {
            catalog.SetUnreachable(name, failure);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Could not list the models of upstream {Upstream} at {Destination}: {Reason}")]
        public static partial void DiscoveryFailed(ILogger logger, string upstream, string destination, string reason);
    }
}
