using System.Text.RegularExpressions;
using GreenGateway.Deploy.Tests.Support;
using GreenGateway.Redis.Tests.Fixtures;

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
    public void ModelHostStage_PublishesTheModelServerProject()
    {
        var publish = Assert.Single(Stages.Single(s => s.Name == "build-modelhost").All("RUN")).Arguments;
        var project = ProjectPath().Match(publish).Value;

        Assert.Equal("src/GreenGateway.ModelHost/GreenGateway.ModelHost.csproj", project);
        Assert.SkipUnless(File.Exists(Repository.Path(project)), "src/GreenGateway.ModelHost is not in the tree yet");
        Assert.Equal("[\"dotnet\", \"GreenGateway.ModelHost.dll\"]", Assert.Single(Stages.Single(s => s.Name == "modelhost").All("ENTRYPOINT")).Arguments);
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
