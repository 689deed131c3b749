using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GreenGateway.Core.Budgets;
using GreenGateway.Redis.Budgets;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Tests.Fixtures;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Connections;

/// <summary>
/// What each form of GG_REDIS_URL reaches, each on a redis-server of its own: an ACL user, a database number, TLS,
/// and Redis Sentinel through a StackExchange.Redis configuration string. Each runs the ledger, as the gateway would.
/// </summary>
public sealed class ConnectionStringFunctionalTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AclUser_InTheUri_Authenticates_AndAWrongPasswordDoesNot()
    {
        await using var server = RedisServerFixture.WithArguments("--user", "default", "off", "--user", "alice", "on", ">s3cret", "~*", "+@all");
        await server.StartAsync();

        await using (var state = await RedisSharedState.ConnectAsync($"redis://alice:s3cret@127.0.0.1:{server.Port}"))
        {
            Assert.Equal("alice", (await state.Multiplexer.GetDatabase().ExecuteAsync("ACL", "WHOAMI")).ToString());
            await AssertLedgerWorksAsync(state);
        }

        // In both forms; a wrong password leaves the client unconnected (and a fail-closed gateway refuses to start).
        await using (var state = await RedisSharedState.ConnectAsync($"127.0.0.1:{server.Port},user=alice,password=s3cret"))
        {
            Assert.True(state.Multiplexer.IsConnected);
        }

        var failClosed = new RedisSharedStateOptions { Ledger = new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed } };
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisSharedState.ConnectAsync($"redis://alice:nope@127.0.0.1:{server.Port}?connect_timeout=1000", failClosed));
    }

    [Fact]
    public async Task DatabaseInTheUri_IsTheOneWrittenTo()
    {
        await using var server = new RedisServerFixture();
        await server.StartAsync();
        await using var state = await RedisSharedState.ConnectAsync($"redis://127.0.0.1:{server.Port}/3");
        await AssertLedgerWorksAsync(state);

        var admin = state.Multiplexer.GetServer(state.Multiplexer.GetEndPoints()[0]);
        Assert.Equal(0, await admin.DatabaseSizeAsync(0));
        Assert.True(await admin.DatabaseSizeAsync(3) > 0);
    }

    [Fact]
    public async Task Rediss_ConnectsOverTls_AndRejectsAnUntrustedCertificate()
    {
        var directory = Directory.CreateTempSubdirectory("gg-tls-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(directory, "server.crt");
        var keyPath = Path.Combine(directory, "server.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem(), Token);
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem(), Token);

        var tlsPort = ServerProcess.FreePort();
        await using var server = RedisServerFixture.WithArguments(
            "--tls-port", tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", certificatePath, "--tls-key-file", keyPath, "--tls-auth-clients", "no");
        await server.StartAsync();

        var pinned = RedisConnectionString.Parse($"rediss://127.0.0.1:{tlsPort}");
        var thumbprint = certificate.GetCertHashString();
        pinned.CertificateValidation += (_, presented, _, _) => presented is not null && presented.GetCertHashString() == thumbprint;
        await using (var state = await RedisSharedState.ConnectAsync(pinned))
        {
            await AssertLedgerWorksAsync(state);
        }

        // With the system's validation a self-signed certificate is refused: not connected, not a hang.
        var failClosed = new RedisSharedStateOptions { Ledger = new RedisBudgetLedgerOptions { FailMode = LedgerFailMode.FailClosed } };
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisSharedState.ConnectAsync($"rediss://127.0.0.1:{tlsPort}?connect_timeout=2000", failClosed));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task SentinelConfigurationString_FindsThePrimary()
    {
        await using var primary = new RedisServerFixture();
        await primary.StartAsync();
        var directory = Directory.CreateTempSubdirectory("gg-sentinel-").FullName;
        var sentinelPort = ServerProcess.FreePort();
        var config = Path.Combine(directory, "sentinel.conf");

        // The smallest Sentinel set-up (redis.io/docs/latest/operate/oss_and_stack/management/sentinel): one sentinel, quorum 1.
        await File.WriteAllTextAsync(config, $"""
            port {sentinelPort}
            bind 127.0.0.1
            dir {directory}
            sentinel monitor mymaster 127.0.0.1 {primary.Port} 1
            sentinel down-after-milliseconds mymaster 5000

            """, Token);
        await using var sentinel = await ServerProcess.StartAsync("redis-server", [config, "--sentinel"], sentinelPort);

        await using var state = await RedisSharedState.ConnectAsync($"127.0.0.1:{sentinelPort},serviceName=mymaster");
        await AssertLedgerWorksAsync(state);

        // The ledger's keys are in the primary the sentinel named.
        await using var direct = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{primary.Port},allowAdmin=true");
        Assert.True(await direct.GetServer(direct.GetEndPoints()[0]).DatabaseSizeAsync() > 0);
        Directory.Delete(directory, recursive: true);
    }

    private static async Task AssertLedgerWorksAsync(RedisSharedState state)
    {
        var now = DateTimeOffset.UtcNow;
        var tenant = $"c{Guid.NewGuid():N}";
        var outcome = await state.Ledger.ReserveAsync(new ReserveRequest(tenant, "r", new EnergyCarbon(2, 0), [new(BudgetWindow.Day, 10, null)], now), Token);
        await state.Ledger.SettleAsync(outcome.Reservation!, new EnergyCarbon(1.5, 0), Token);
        Assert.Equal(1.5, (await state.Ledger.GetUsageAsync(tenant, now, Token))[2].Consumed.Joules, 9);
        Assert.Equal(0, state.Ledger.JournalLength);
    }
}
