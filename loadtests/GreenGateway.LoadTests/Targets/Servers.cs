using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace GreenGateway.LoadTests.Targets;

/// <summary>Starting the servers a scenario needs, each on a free loopback port, each logging to the run's folder.</summary>
internal static class Servers
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The gateway as a child process: the GreenGateway.dll built beside this harness, run by dotnet from its
    /// own folder (appsettings.json is there), configured through the environment as an operator would.
    /// </summary>
    public static async Task<(ChildProcess Process, string Url)> StartGatewayAsync(string name, string folder, IDictionary<string, string> environment)
    {
        var port = ChildProcess.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var gateway = ChildProcess.Start(
            name,
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "GreenGateway.dll"), "--urls", url],
            Path.Combine(folder, name + ".log"),
            environment,
            AppContext.BaseDirectory);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await gateway.WaitReadyAsync(() => IsOkAsync(http, url + "/healthz"), StartDeadline);
        return (gateway, url);
    }

    /// <summary>A redis-server with no persistence, bound to loopback.</summary>
    public static async Task<(ChildProcess Process, string Url)> StartRedisAsync(string folder, string name = "redis", params string[] extra)
    {
        var port = ChildProcess.FreePort(withBusPort: extra.Length > 0);
        var directory = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        var redis = ChildProcess.Start(
            name,
            "redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--daemonize", "no", .. extra],
            Path.Combine(folder, name + ".log"));
        await redis.WaitReadyAsync(() => PingAsync(port), StartDeadline);
        return (redis, $"redis://127.0.0.1:{port}");
    }

    /// <summary>
    /// Three cluster-enabled redis-servers given all 16384 slots by <c>redis-cli --cluster create</c>
    /// (Debian redis-tools); the gateway gets the first node's URL and discovers the rest.
    /// </summary>
    public static async Task<(List<ChildProcess> Nodes, string Url)> StartRedisClusterAsync(string folder)
    {
        var nodes = new List<ChildProcess>();
        var urls = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            var (node, url) = await StartRedisAsync(folder, $"redis-node-{i}", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000");
            nodes.Add(node);
            urls.Add(url);
        }

        var create = ChildProcess.Start(
            "redis-cli",
            "redis-cli",
            ["--cluster", "create", .. urls.Select(u => new Uri(u).Authority), "--cluster-replicas", "0", "--cluster-yes"],
            Path.Combine(folder, "redis-cluster-create.log"));
        await using (create)
        {
            await create.WaitForExitAsync(StartDeadline);
        }

        // Every node must agree that the cluster is whole before the gateway reads the slot map.
        foreach (var url in urls)
        {
            var port = new Uri(url).Port;
            await nodes[0].WaitReadyAsync(async () => (await CommandAsync(port, "CLUSTER INFO")).Contains("cluster_state:ok", StringComparison.Ordinal), StartDeadline);
        }

        return (nodes, urls[0]);
    }

    /// <summary>
    /// nginx in front of the replicas: round robin, keep-alive upstream connections, and a request whose
    /// replica refuses the connection passed to the next one (a POST is passed on only if nothing was sent).
    /// </summary>
    public static async Task<(ChildProcess Process, string Url)> StartNginxAsync(string folder, IReadOnlyList<string> replicas)
    {
        var root = Directory.CreateDirectory(Path.Combine(folder, "nginx")).FullName;

        // Workers may run as an unprivileged user when the master is root: let them write their temp files.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111);
        }

        var port = ChildProcess.FreePort();
        var servers = new StringBuilder();
        foreach (var replica in replicas)
        {
            servers.Append(CultureInfo.InvariantCulture, $"    server {new Uri(replica).Authority} max_fails=1 fail_timeout=30s;\n");
        }

        var config = $$"""
            worker_processes 1;
            daemon off;
            pid {{root}}/nginx.pid;
            error_log {{root}}/error.log warn;
            events { worker_connections 4096; }
            http {
              access_log off;
              client_body_temp_path {{root}}/body;
              proxy_temp_path {{root}}/proxy;
              fastcgi_temp_path {{root}}/fastcgi;
              uwsgi_temp_path {{root}}/uwsgi;
              scgi_temp_path {{root}}/scgi;
              upstream gateways {
            {{servers}}    keepalive 64;
              }
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://gateways;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_buffering off;
                  proxy_next_upstream error timeout;
                  proxy_next_upstream_tries 3;
                  proxy_connect_timeout 2s;
                  proxy_read_timeout 60s;
                }
              }
            }
            """;
        var configPath = Path.Combine(root, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var nginx = ChildProcess.Start("nginx", "nginx", ["-p", root, "-c", configPath], Path.Combine(folder, "nginx.log"));
        var url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await nginx.WaitReadyAsync(() => IsOkAsync(http, url + "/healthz"), StartDeadline);
        return (nginx, url);
    }

    private static async Task<bool> IsOkAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> PingAsync(int port) => (await CommandAsync(port, "PING")).StartsWith("+PONG", StringComparison.Ordinal);

    /// <summary>One inline command and the first read of its reply ("" when the server cannot be reached).</summary>
    private static async Task<string> CommandAsync(int port, string command)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), timeout.Token);
            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return "";
        }
    }
}
