using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using GreenGateway.ModelHost;
using GreenGateway.ModelHost.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;

namespace GreenGateway.ModelServer.Tests;

/// <summary>The gateway's ModelServer hosted service starting the real model host, in process and as a child process.</summary>
public sealed class ModelServerServiceTests
{
    private static readonly string RepositoryRoot = Path.GetDirectoryName(Path.GetDirectoryName(ModelHostServer.ModelPathOf("draft")))!;

    private static ModelServerService Service(ModelServerOptions options, InProcessModelHostFactory? factory)
    {
        var services = new ServiceCollection().AddLogging().AddHttpClient().BuildServiceProvider();
        var environment = new HostingEnvironment { ContentRootPath = RepositoryRoot };
        return new ModelServerService(options, environment, services.GetRequiredService<IHttpClientFactory>(),
            services.GetRequiredService<ILogger<ModelServerService>>(), factory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Theory]
    [InlineData("in-process")]
    [InlineData("child-process")]
    public async Task Start_ServesTheModelOnItsPort_OnlyToTheHolderOfItsKey_AndStopEndsIt(string mode)
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new ModelServerOptions { Mode = mode, Model = "models/draft", Port = FreePort(), StartTimeoutSeconds = 60, ApiKey = "the-gateways-secret" };
        await using var service = Service(options, (args, overrides) => ModelHostApp.Build([.. args, "--ModelHost:Threads=1"], overrides));

        await service.StartAsync(ct);
        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        var models = JsonNode.Parse(await client.GetStringAsync("/v1/models", ct))!;
        var body = new { model = "draft", messages = new[] { new { role = "user", content = "What does System.String.Trim do?" } }, temperature = 0, max_tokens = 8 };
        using var refused = await client.PostAsJsonAsync("/v1/chat/completions", body, ct);
        client.DefaultRequestHeaders.Authorization = new("Bearer", "the-gateways-secret");
        using var answer = await client.PostAsJsonAsync("/v1/chat/completions", body, ct);
        await service.StopAsync(ct);

        Assert.Equal("draft", models["data"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.True(answer.Headers.Contains("X-Energy-Joules"));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/v1/models", ct));
    }

    [Fact]
    public async Task ModelHostThatCannotStart_NeverStopsTheGateway_ItIsLoggedAndNothingListens()
    {
        var options = new ModelServerOptions { Mode = "in-process", Port = FreePort() };
        await using var service = Service(options, null);

        // No factory: the model host cannot start. The gateway's start goes on (its upstream is then unhealthy).
        await service.StartAsync(TestContext.Current.CancellationToken);

        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("/health", TestContext.Current.CancellationToken));
        await service.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Validate_ReportsEveryProblem()
    {
        var errors = new List<string>();

        new ModelServerOptions { Mode = "sideways", Port = -1, StartTimeoutSeconds = 0 }.Validate(errors);

        Assert.Equal(3, errors.Count);
    }
}
