using System.Globalization;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>
/// A garnet-server (the dotnet tool pinned in .config/dotnet-tools.json) on a free loopback port, with Lua
/// and the vector-set preview enabled. <c>--lua-transaction-mode</c> makes Garnet lock a script's keys while
/// it runs; without it scripts are not atomic and the ledger's two-replica test overruns the budget. The tool's DLL is run directly from the NuGet cache where
/// <c>dotnet tool restore</c> put it (faster than <c>dotnet tool run</c>), else through <c>dotnet tool run</c>.
/// </summary>
public sealed class GarnetServerFixture : IRespServerFixture, IAsyncLifetime
{
    private const string Version = "2.2.8";
    private ServerProcess? _server;

    public ServerKind Kind => ServerKind.Garnet;

    public int Port { get; private set; } = ServerProcess.FreePort();

    public string ConnectionString => $"redis://127.0.0.1:{Port}";

    public async ValueTask InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Most likely the port was taken between choosing and binding it: take another.
                Port = ServerProcess.FreePort();
            }
        }
    }

    private async Task StartOnceAsync()
    {
        string[] serverArguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--lua", "--lua-transaction-mode", "--enable-vector-set-preview",
            "-m", "256m", "-i", "16m", "--logger-level", "Warning",
        ];
        var dll = FindToolDll();
        _server = dll is not null
            ? await ServerProcess.StartAsync("dotnet", [dll, .. serverArguments], Port)
            : await ServerProcess.StartAsync("dotnet", ["tool", "run", "garnet-server", "--", .. serverArguments], Port, FindRepositoryRoot());
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static string? FindToolDll()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var tools = Path.Combine(root, "garnet-server", Version, "tools");
        if (!Directory.Exists(tools))
        {
            return null;
        }

        foreach (var framework in Directory.GetDirectories(tools))
        {
            var dll = Path.Combine(framework, "any", "GarnetServer.dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        return null;
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, ".config", "dotnet-tools.json")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("garnet-server is not restored: run ./test.sh (dotnet tool restore)");
    }
}
