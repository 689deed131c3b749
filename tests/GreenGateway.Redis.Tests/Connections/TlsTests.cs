using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GreenGateway.Redis.Connections;
using GreenGateway.Redis.Tests.Fixtures;

namespace GreenGateway.Redis.Tests.Connections;

/// <summary>rediss:// against redis-server's own TLS port, with a certificate made for the test and pinned by the client.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Rediss_ConnectsOverTls_AndRejectsAnUntrustedCertificate()
    {
        var token = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("gg-tls-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(directory, "server.crt");
        var keyPath = Path.Combine(directory, "server.key");
        await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem(), token);
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem(), token);

        var tlsPort = ServerProcess.FreePort();
        await using var server = RedisServerFixture.WithArguments(
            "--tls-port", tlsPort.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", certificatePath, "--tls-key-file", keyPath, "--tls-auth-clients", "no");
        await server.StartAsync();

        var thumbprint = certificate.GetCertHashString();
        var pinned = RedisOptions.Parse($"rediss://127.0.0.1:{tlsPort}") with
        {
            CertificateValidation = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == thumbprint,
        };
        await using (var connection = await RedisConnection.ConnectAsync(pinned, cancellationToken: token))
        {
            await connection.ExecuteAsync("SET", ["over-tls", "yes"], token);
            Assert.Equal("yes", (await connection.ExecuteAsync("GET", ["over-tls"], token)).AsString());
        }

        // With the system's validation, a self-signed certificate is refused: a connection error, not a hang.
        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(RedisOptions.Parse($"rediss://127.0.0.1:{tlsPort}"), cancellationToken: token));
        Directory.Delete(directory, recursive: true);
    }
}
