using System.Text.RegularExpressions;
using GreenGateway.Deploy.Tests.Support;
using GreenGateway.Redis.Tests.Fixtures;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GreenGateway.Deploy.Tests.Docker;

public sealed partial class DockerfileTests(RedisServerFixture redis)
{
    private static readonly IReadOnlyList<DockerStage> Stages = Dockerfile.Parse(Repository.Read("deploy", "Dockerfile"));

    private static DockerStage Gateway => Stages[^1];

    [Fact]
    public void Build_IsMultiStage_AndTheGatewayIsTheDefaultTarget()
    {
        Assert.True(Stages.Count >= 3, "a build stage with the SDK and runtime stages without it");
        Assert.Equal("gateway", Gateway.Name);
        Assert.Contains("/dotnet/sdk:", Stages[0].BaseImage, StringComparison.Ordinal);
        Assert.DoesNotContain(Stages.Where(s => s.Name is "gateway" or "modelhost" or "runtime"), s => s.BaseImage.Contains("/dotnet/sdk", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("modelhost")]
    public void ServerStages_RunAsANonRootUser(string stage)
    {
        var user = Assert.Single(Stages.Single(s => s.Name == stage).All("USER")).Arguments;

        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user.Split(':')[0]);
    }

    [Fact]
    public void Publish_BuildsTheGatewayProject_FromSourcesThatExist()
    {
        var publish = Assert.Single(Stages[0].All("RUN"), r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var copies = Stages[0].All("COPY").SelectMany(c => c.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]);

        Assert.Contains("src/GreenGateway/GreenGateway.csproj", publish.Arguments, StringComparison.Ordinal);
        Assert.True(File.Exists(Repository.Path("src", "GreenGateway", "GreenGateway.csproj")));
        Assert.All(copies, source => Assert.True(Path.Exists(Repository.Path(source.TrimEnd('/'))), $"COPY source {source} is not in the repository"));
    }

    [Fact]
    public async Task ModelHostStage_ServesTheShippedModel_AndItsHealthCheckAnswers200()
    {
        var publish = Assert.Single(Stages.Single(s => s.Name == "build-modelhost").All("RUN")).Arguments;
        var stage = Stages.Single(s => s.Name == "modelhost");
        var copy = Assert.Single(stage.All("COPY"), c => !c.Arguments.StartsWith("--from", StringComparison.Ordinal)).Arguments.Split(' ');
        var command = Assert.Single(stage.All("CMD")).Arguments;
        var healthcheck = new Uri(HealthCheckUrl().Match(Assert.Single(stage.All("HEALTHCHECK")).Arguments).Value);
        var urls = new Uri(stage.Environment(Stages)["URLS"]);

        Assert.Equal("src/GreenGateway.ModelHost/GreenGateway.ModelHost.csproj", ProjectPath().Match(publish).Value);
        Assert.Equal("[\"dotnet\", \"GreenGateway.ModelHost.dll\"]", Assert.Single(stage.All("ENTRYPOINT")).Arguments);
        Assert.Equal($"[\"--model\", \"{copy[1].TrimEnd('/')}\"]", command);
        Assert.Equal(Assert.Single(stage.All("EXPOSE")).Arguments, urls.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(urls.Port, healthcheck.Port);

        // The model server itself, on the model the image copies in, answers the health check's path.
        var app = GreenGateway.ModelHost.ModelHostApp.Build(["--model", Repository.Path(copy[0].TrimEnd('/')), "--urls", "http://127.0.0.1:0"]);
        await app.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
            using var response = await http.GetAsync(healthcheck.AbsolutePath, TestContext.Current.CancellationToken);
            Assert.Equal(200, (int)response.StatusCode);
        }
        finally
        {
            await app.StopAsync(TestContext.Current.CancellationToken);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void Environment_SetsOnlyWhatTheGatewayReads_AndBindsTheExposedPortOnAllInterfaces()
    {
        var environment = Gateway.Environment(Stages);
        var urls = new Uri(environment["URLS"]);

        Assert.Empty(environment.Keys.Select(v => GatewaySettings.Explain(v, environment)).OfType<string>());
        Assert.Equal("0.0.0.0", urls.Host);
        Assert.Equal(Assert.Single(Gateway.All("EXPOSE")).Arguments, urls.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("[\"dotnet\", \"GreenGateway.dll\"]", Assert.Single(Gateway.All("ENTRYPOINT")).Arguments);
    }

    [Fact]
    public async Task HealthCheck_GetsTheLivenessEndpointOnTheGatewaysPort_WhichAnswers200()
    {
        var healthcheck = Assert.Single(Gateway.All("HEALTHCHECK")).Arguments;
        var url = new Uri(HealthCheckUrl().Match(healthcheck).Value);
        var environment = Gateway.Environment(Stages);
        await using var gateway = await RealGateway.StartAsync(environment, [("tenants.yaml", Repository.Read("policies", "tenants.yaml"))], redis.ConnectionString);

        var (status, _) = await gateway.GetAsync(url.AbsolutePath);

        Assert.Equal(200, status);
        Assert.Equal("/healthz", url.AbsolutePath);
        Assert.Equal(new Uri(environment["URLS"]).Port, url.Port);
        Assert.Contains("curl", healthcheck, StringComparison.Ordinal);
        Assert.Contains("-f", healthcheck, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_InstallsCurl_ForTheHealthCheck()
    {
        var runtime = Stages.Single(s => s.Name == "runtime");

        Assert.Contains(runtime.All("RUN"), r => r.Arguments.Contains("install", StringComparison.Ordinal) && r.Arguments.Contains("curl", StringComparison.Ordinal));
        Assert.Equal("runtime", Gateway.BaseImage);
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputsOut_ButNothingTheBuildCopies()
    {
        var ignored = Repository.Read("deploy", "Dockerfile.dockerignore").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var copied = Stages[0].All("COPY").SelectMany(c => c.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1]).ToList();

        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.DoesNotContain(copied, c => ignored.Contains(c));
    }

    [GeneratedRegex(@"src/[\w./]+\.csproj")]
    private static partial Regex ProjectPath();

    [GeneratedRegex(@"http://[^""\s]+")]
    private static partial Regex HealthCheckUrl();
}
