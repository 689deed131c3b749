using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.ModelHost.Tests.Support;

/// <summary>A real model server on a free loopback port, serving one of the committed demo models.</summary>
public sealed class ModelHostServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ModelHostServer(WebApplication app, Uri baseAddress, string modelPath)
    {
        _app = app;
        BaseAddress = baseAddress;
        ModelPath = modelPath;
    }

    public Uri BaseAddress { get; }

    public string ModelPath { get; }

    public static async Task<ModelHostServer> StartAsync(string model, IDictionary<string, string?>? settings = null)
    {
        var path = ModelPathOf(model);
        var overrides = new Dictionary<string, string?> { ["ModelHost:Threads"] = "2", ["Logging:LogLevel:Default"] = "Warning" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            overrides[k] = v;
        }

        var app = ModelHostApp.Build(["--model", path, "--urls", "http://127.0.0.1:0"], overrides);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ModelHostServer(app, new Uri(address), path);
    }

    /// <summary>models/{name} of the repository (committed demo weights).</summary>
    public static string ModelPathOf(string name) => RepositoryPath("models", name);

    /// <summary>A path inside the repository's checkout.</summary>
    public static string RepositoryPath(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
            {
                return Path.Combine([dir.FullName, .. parts]);
            }
        }

        throw new DirectoryNotFoundException("the repository root (GreenGateway.sln) is not above the test binaries.");
    }

    /// <summary>
    /// A temporary model folder: the demo draft's weights and tokenizer with <paramref name="tokenizerConfigJson"/> as
    /// its tokenizer_config.json (a checkpoint "as users bring it": another chat template, or none). The caller deletes it.
    /// </summary>
    public static string DraftWithTokenizerConfig(string tokenizerConfigJson)
    {
        var dir = Directory.CreateTempSubdirectory("gg-model-").FullName;
        var draft = ModelPathOf("draft");
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json" })
        {
            File.Copy(Path.Combine(draft, file), Path.Combine(dir, file));
        }

        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), tokenizerConfigJson);
        return dir;
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress };

    public async Task<(HttpResponseMessage Response, JsonNode Body)> PostAsync(string path, object body)
    {
        using var client = Client();
        var response = await client.PostAsJsonAsync(path, body, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response, JsonNode.Parse(text)!);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
