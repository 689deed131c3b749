using GreenGateway.Redis.Connections;

namespace GreenGateway.Redis.Tests.Connections;

public sealed class RedisOptionsTests
{
    [Fact]
    public void Parse_FullUri_ReadsEveryPart()
    {
        var options = RedisOptions.Parse("rediss://alice:p%40ss@cache.example:6380/2?protocol=3&name=gw1&timeout=250&pool=4");
        Assert.Equal("cache.example", options.Host);
        Assert.Equal(6380, options.Port);
        Assert.Equal("alice", options.User);
        Assert.Equal("p@ss", options.Password);
        Assert.Equal(2, options.Database);
        Assert.True(options.UseTls);
        Assert.Equal(RespProtocol.Resp3, options.Protocol);
        Assert.Equal("gw1", options.ClientName);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.CommandTimeout);
        Assert.Equal(4, options.PoolSize);
    }

    [Theory]
    [InlineData("redis://localhost", null, null, 6379)]
    [InlineData("redis://:secret@localhost:7000", null, "secret", 7000)]
    [InlineData("redis://secret@localhost", null, "secret", 6379)]
    public void Parse_ShortForms(string uri, string? user, string? password, int port)
    {
        var options = RedisOptions.Parse(uri);
        Assert.Equal(user, options.User);
        Assert.Equal(password, options.Password);
        Assert.Equal(port, options.Port);
        Assert.False(options.UseTls);
    }

    [Theory]
    [InlineData("http://localhost")]
    [InlineData("redis://localhost/notanumber")]
    [InlineData("redis://localhost?bogus=1")]
    [InlineData("localhost:6379")]
    public void Parse_Invalid_ThrowsFormatExceptionWithoutThePassword(string uri)
    {
        var error = Assert.Throws<FormatException>(() => RedisOptions.Parse(uri));
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReportsEveryProblemAtOnce()
    {
        var options = new RedisOptions { Host = "", Port = 0, PoolSize = 0, CommandTimeout = TimeSpan.Zero };
        Assert.Equal(4, options.Validate().Count);
    }

    [Fact]
    public void Redact_HidesCredentials() =>
        Assert.Equal("redis://***@host:1", RedisOptions.Redact("redis://u:secret@host:1"));
}
