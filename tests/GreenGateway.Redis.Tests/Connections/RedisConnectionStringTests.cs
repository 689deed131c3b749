using System.Net;
using GreenGateway.Redis.Connections;
using StackExchange.Redis;

namespace GreenGateway.Redis.Tests.Connections;

/// <summary>GG_REDIS_URL in both forms: the redis:// URI the gateway has always read, and a StackExchange.Redis configuration string.</summary>
public sealed class RedisConnectionStringTests
{
    [Fact]
    public void Uri_FullForm_ReadsEveryPart()
    {
        var options = RedisConnectionString.Parse("rediss://alice:p%40ss@cache.example:6380/2?protocol=3&name=gw1&timeout=250&connect_timeout=900");

        var endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints));
        Assert.Equal(("cache.example", 6380), (endpoint.Host, endpoint.Port));
        Assert.Equal("alice", options.User);
        Assert.Equal("p@ss", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.True(options.Ssl);
        Assert.Equal("cache.example", options.SslHost);
        Assert.Equal(RedisProtocol.Resp3, options.Protocol);
        Assert.Equal("gw1", options.ClientName);
        Assert.Equal(250, options.AsyncTimeout);
        Assert.Equal(900, options.ConnectTimeout);
    }

    [Theory]
    [InlineData("redis://localhost", null, null, 6379)]
    [InlineData("redis://:secret@localhost:7000", null, "secret", 7000)]
    [InlineData("redis://secret@localhost", null, "secret", 6379)]
    [InlineData("redis://bob:secret@127.0.0.1:7001", "bob", "secret", 7001)]
    public void Uri_ShortForms(string uri, string? user, string? password, int port)
    {
        var options = RedisConnectionString.Parse(uri);

        Assert.Equal(user, options.User);
        Assert.Equal(password, options.Password);
        Assert.Equal(port, Assert.Single(options.EndPoints) switch { DnsEndPoint d => d.Port, IPEndPoint i => i.Port, _ => -1 });
        Assert.False(options.Ssl);
    }

    [Theory]
    [InlineData("redis://localhost:6379")]
    [InlineData("localhost:6379")]
    public void BothForms_GetTheGatewaysDefaults(string text)
    {
        var options = RedisConnectionString.Parse(text);

        Assert.False(options.AbortOnConnectFail);
        Assert.Same(BacklogPolicy.FailFast, options.BacklogPolicy);
        Assert.Equal(RedisConnectionString.DefaultClientName, options.ClientName);
    }

    [Theory]
    [InlineData("redis://localhost", 2500)]
    [InlineData("redis://localhost?connect_timeout=700", 700)]
    [InlineData("localhost:6379", 2500)]
    [InlineData("localhost:6379,connectTimeout=800", 800)]
    public void ConfiguredConnectTimeout_AppliesWhereTheStringSetsNone(string text, int expected) =>
        Assert.Equal(expected, RedisConnectionString.Parse(text, TimeSpan.FromMilliseconds(2500)).ConnectTimeout);

    [Fact]
    public void ConfigurationString_ReadsSentinelClusterSeedsTlsAndAcl()
    {
        var options = RedisConnectionString.Parse("sentinel-a:26379,sentinel-b:26379,serviceName=mymaster,user=gw,password=s3cret,ssl=true,sslHost=redis.example,name=edge,abortConnect=true");

        Assert.Equal(2, options.EndPoints.Count);
        Assert.Equal("mymaster", options.ServiceName);
        Assert.Equal("gw", options.User);
        Assert.Equal("s3cret", options.Password);
        Assert.True(options.Ssl);
        Assert.Equal("redis.example", options.SslHost);
        Assert.Equal("edge", options.ClientName);
        Assert.True(options.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("http://localhost", "neither")]
    [InlineData("redis://localhost/notanumber", "not a number")]
    [InlineData("redis://:secret@localhost?bogus=1", "unknown option 'bogus'")]
    [InlineData("redis://:secret@localhost?pool=4", "pool")]
    [InlineData("redis://localhost?timeout=soon", "invalid value")]
    [InlineData("localhost:6379,password=secret,nonsense=1", "not a valid StackExchange.Redis configuration string")]
    [InlineData("password=secret", "names no Redis endpoint")]
    [InlineData("  ", "empty")]
    public void Invalid_ThrowsFormatExceptionSayingWhy_WithoutThePassword(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => RedisConnectionString.Parse(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.False(RedisConnectionString.TryValidate(text, out var message));
        Assert.Equal(error.Message, message);
    }

    [Theory]
    [InlineData("redis://u:secret@host:1", "redis://***@host:1")]
    [InlineData("host:1,password=secret,ssl=true", "host:1,password=***,ssl=true")]
    [InlineData("host:1,sentinelPassword=secret", "host:1,sentinelPassword=***")]
    public void Redact_HidesCredentials(string text, string expected) =>
        Assert.Equal(expected, RedisConnectionString.Redact(text));
}
