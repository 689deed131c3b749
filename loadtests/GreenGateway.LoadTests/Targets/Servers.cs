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
    public static async Task<(ChildProcess Process, string Url)> StartRedisAsync(string folder)
    {
        var port = ChildProcess.FreePort();
        var redis = ChildProcess.Start(
            "redis",
            "redis-server",
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder, "--daemonize", "no"],
            Path.Combine(folder, "redis.log"));
        await redis.WaitReadyAsync(() => PingAsync(port), StartDeadline);
        return (redis, $"redis://127.0.0.1:{port}");
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

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false;
        }
    }
}
