using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GreenGateway.Redis.Tests.Fixtures;

/// <summary>
/// A server process the tests start on a free loopback port and stop afterwards. Readiness is a real
/// PING answered with PONG, polled with a generous deadline because CI machines are small and busy.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ServerProcess> StartAsync(string fileName, IEnumerable<string> arguments, int port, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"'{fileName}' is not installed: run ./test.sh, which installs the test servers ({ex.Message})", ex);
        }

        var server = new ServerProcess(process, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitReadyAsync(fileName).ConfigureAwait(false);
        return server;
    }

    /// <summary>A port free on 127.0.0.1 now, and (when asked) whose cluster-bus port, port + 10000, is free too.</summary>
    public static int FreePort(bool withBusPort = false)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Probe(0);
            if (!withBusPort || (port + 10000 <= 65535 && Probe(port + 10000) != 0))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free loopback port found");
    }

    public static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            var answer = Encoding.ASCII.GetString(buffer, 0, read);

            // A server that requires AUTH answers NOAUTH: it is up all the same.
            return answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        _process.Dispose();
    }

    /// <summary>Waits for the process to end by itself (after SHUTDOWN).</summary>
    public Task WaitForExitAsync() => _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

    private static int Probe(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            var chosen = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return chosen;
        }
        catch (SocketException)
        {
            return 0;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    private async Task WaitReadyAsync(string name)
    {
        var deadline = DateTime.UtcNow + StartDeadline;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {_process.ExitCode} on port {Port}:\n{Output}");
            }

            if (await PingAsync(Port).ConfigureAwait(false))
            {
                // A server that failed to bind exits within moments; if it did, the PONG came from someone else.
                await Task.Delay(250).ConfigureAwait(false);
                if (!_process.HasExited)
                {
                    return;
                }
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
        throw new TimeoutException($"{name} did not answer PING on port {Port} within {StartDeadline}:\n{Output}");
    }
}
