using System.Net;
using System.Net.Sockets;
using System.Text;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Protocol;

namespace GreenGateway.Redis.Tests.Connections;

/// <summary>
/// A real socket that answers with broken RESP (no real server can be made to), to check that the client
/// reports a protocol error to the caller and closes the connection rather than hanging or allocating.
/// </summary>
public sealed class MalformedServerTests
{
    [Theory]
    [InlineData("?garbage\r\n")]
    [InlineData("$999999999999\r\n")]
    [InlineData("*99999999\r\n")]
    [InlineData("$10\r\nabc")]
    public async Task BrokenReply_FailsTheCommandWithProtocolError_AndClosesTheConnection(string reply)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = ServeOnceAsync(listener, reply);

        var options = RedisOptions.Parse($"redis://127.0.0.1:{port}") with
        {
            ClientName = null,
            Limits = new RespLimits { MaxBulkLength = 1 << 20, MaxAggregateCount = 1 << 16 },
            ReconnectBaseDelay = TimeSpan.FromSeconds(30),
            ReconnectMaxDelay = TimeSpan.FromSeconds(30),
        };
        await using var connection = await RedisConnection.ConnectAsync(options, cancellationToken: TestContext.Current.CancellationToken);
        var call = connection.ExecuteAsync("GET", ["k"], TestContext.Current.CancellationToken).AsTask();
        await Assert.ThrowsAsync<RedisProtocolException>(() => call.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));

        // The fake server's read returns 0 only once the client has closed that socket.
        await serve.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
    }

    private static async Task ServeOnceAsync(TcpListener listener, string reply)
    {
        using var client = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        var buffer = new byte[1024];
        _ = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply), TestContext.Current.CancellationToken);
        await stream.FlushAsync(TestContext.Current.CancellationToken);
        if (reply.EndsWith("abc", StringComparison.Ordinal))
        {
            // A truncated frame: the server goes away mid-reply.
            client.Client.Shutdown(SocketShutdown.Both);
        }
        else
        {
            // Hold the socket until the client closes it, which is what the test expects it to do.
            try
            {
                while (await stream.ReadAsync(buffer, TestContext.Current.CancellationToken) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }
    }
}
