using GreenGateway.Redis.Connections;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>
/// A redis-server (Debian package) on a free loopback port with its own data directory. It can be shut down
/// with a save and started again on the same port and data, to test behaviour while Redis is away.
/// </summary>
public sealed class RedisServerFixture : IRespServerFixture, IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gg-redis-").FullName;
    private readonly string[] _extraArguments;
    private ServerProcess? _server;

    public RedisServerFixture()
        : this([])
    {
    }

    private readonly bool _withBusPort;
    private bool _started;

    private RedisServerFixture(string[] extraArguments, bool withBusPort = false)
    {
        _extraArguments = extraArguments;
        _withBusPort = withBusPort;
        Port = ServerProcess.FreePort(withBusPort);
    }

    public ServerKind Kind => ServerKind.Redis;

    /// <summary>A server of its own with extra redis-server arguments; start it with <see cref="StartAsync"/>.</summary>
    public static RedisServerFixture WithArguments(params string[] extraArguments) => new(extraArguments);

    /// <summary>A cluster-enabled node; its cluster bus port (port + 10000) was free when chosen.</summary>
    public static RedisServerFixture ClusterNode() =>
        new(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"], withBusPort: true);

    public int Port { get; private set; }

    public string ConnectionString => $"redis://127.0.0.1:{Port}";

    public bool IsRunning => _server is { HasExited: false };

    public async ValueTask InitializeAsync() => await StartAsync();

    /// <summary>Starts the server; a first start that finds its port taken meanwhile moves to another port (restarts keep theirs).</summary>
    public async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync();
                _started = true;
                return;
            }
            catch (InvalidOperationException ex) when (!_started && attempt < 3 && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                Port = ServerProcess.FreePort(_withBusPort);
            }
        }
    }

    private async Task StartOnceAsync()
    {
        string[] arguments =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", string.Empty, "--appendonly", "no", "--dir", _directory, "--daemonize", "no",
            "--enable-debug-command", "local", "--loglevel", "warning",
            .. _extraArguments,
        ];
        _server = await ServerProcess.StartAsync("redis-server", arguments, Port);
    }

    /// <summary>Saves the data set and stops the server (SHUTDOWN SAVE), as an orderly restart would.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }

        var options = RedisConnectionString.Parse(ConnectionString);
        (options.User, options.Password, options.AllowAdmin, options.ClientName) = (AdminUser, AdminPassword, true, "fixture");
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(options))
        {
            try
            {
                // SHUTDOWN SAVE; the server closes the connection instead of replying.
                connection.GetServer(connection.GetEndPoints()[0]).Shutdown(ShutdownMode.Always);
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
                // The connection closed before the command was acknowledged: the expected answer.
            }
        }

        await _server.WaitForExitAsync();
        await _server.DisposeAsync();
        _server = null;
    }

    /// <summary>Credentials the fixture itself uses for SHUTDOWN when the server requires them.</summary>
    public string? AdminUser { get; init; }

    public string? AdminPassword { get; init; }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the OS cleans temp later.
        }
    }
}
