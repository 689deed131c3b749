using System.Diagnostics;
using GreenGateway.Deploy.Tests.Support;
using GreenGateway.Redis.Tests.Fixtures;

namespace GreenGateway.Deploy.Tests.Systemd;

public sealed class SystemdUnitTests(RedisServerFixture redis)
{
    private static readonly string UnitPath = Repository.Path("deploy", "systemd", "greengateway.service");

    /// <summary>The unit's settings by section; keys that repeat (Environment=) keep every value.</summary>
    private static readonly Dictionary<string, List<(string Key, string Value)>> Unit = ParseUnit(File.ReadAllText(UnitPath));

    private static string Single(string section, string key) => Assert.Single(Unit[section], e => e.Key == key).Value;

    private static Dictionary<string, string> Environment()
    {
        var environment = Unit["Service"].Where(e => e.Key == "Environment").Select(e => e.Value.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        foreach (var line in File.ReadAllLines(Repository.Path("deploy", "systemd", "greengateway.env")))
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                var pair = line.Split('=', 2);
                environment[pair[0]] = pair[1];
            }
        }

        return environment;
    }

    [Fact]
    public void Environment_SetsOnlyWhatTheGatewayReads_OnLoopback()
    {
        var environment = Environment();

        Assert.Empty(environment.Keys.Select(v => GatewaySettings.Explain(v, environment)).OfType<string>());
        Assert.Equal("127.0.0.1", new Uri(environment["URLS"]).Host);
        Assert.Contains(GatewayApp.UpstreamUrlVariable, environment.Keys);
        Assert.Contains(Configuration.RedisSettings.UrlVariable, environment.Keys);
        Assert.Equal("-/etc/greengateway/greengateway.env", Single("Service", "EnvironmentFile"));
    }

    [Fact]
    public void Service_RunsThePublishedGateway_FromItsContentRoot_AsAnUnprivilegedUser()
    {
        var workingDirectory = Single("Service", "WorkingDirectory");
        var exec = Single("Service", "ExecStart").Split(' ');

        Assert.Equal(workingDirectory + "/GreenGateway.dll", exec[^1]);
        Assert.NotEqual("root", Single("Service", "User"));
        Assert.Equal("greengateway", Path.GetFileName(Single("Service", "StateDirectory")));
        Assert.StartsWith("/var/lib/greengateway/", Environment()["Redis__JournalPath"], StringComparison.Ordinal);
        Assert.Equal("multi-user.target", Single("Install", "WantedBy"));
    }

    [Fact]
    public async Task Gateway_StartedWithTheUnitsEnvironment_AnswersHealthAndReadiness()
    {
        await using var gateway = await RealGateway.StartAsync(Environment(), [("tenants.yaml", Repository.Read("policies", "tenants.yaml"))], redis.ConnectionString);

        Assert.Equal(200, (await gateway.GetAsync("/healthz")).Status);
        Assert.Equal(200, (await gateway.GetAsync("/readyz")).Status);
    }

    [Fact]
    public async Task Unit_PassesSystemdAnalyzeVerify()
    {
        var analyze = OnPath("systemd-analyze");
        var dotnet = OnPath("dotnet");
        Assert.SkipWhen(analyze is null || dotnet is null, "systemd-analyze or dotnet is not on PATH");

        // verify checks that ExecStart's program exists: point it at this machine's dotnet.
        var cancel = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("gg-unit-").FullName;
        var copy = Path.Combine(folder, "greengateway.service");
        await File.WriteAllTextAsync(copy, (await File.ReadAllTextAsync(UnitPath, cancel)).Replace("/usr/bin/dotnet ", dotnet + " ", StringComparison.Ordinal), cancel);
        var info = new ProcessStartInfo(analyze!, ["verify", copy]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        var errors = await process.StandardError.ReadToEndAsync(cancel);
        await process.WaitForExitAsync(cancel).WaitAsync(TimeSpan.FromSeconds(60), cancel);
        Directory.Delete(folder, recursive: true);

        Assert.True(process.ExitCode == 0, errors);
        Assert.DoesNotContain("greengateway.service:", errors, StringComparison.Ordinal);
    }

    private static string? OnPath(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static Dictionary<string, List<(string, string)>> ParseUnit(string text)
    {
        var sections = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        List<(string, string)>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                current = sections[line.Trim('[', ']')] = [];
                continue;
            }

            var pair = line.Split('=', 2);
            current!.Add((pair[0].Trim(), pair[1].Trim()));
        }

        return sections;
    }
}
