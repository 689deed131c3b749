using System.Text;
using GreenGateway.Redis.Cluster;

namespace GreenGateway.Redis.Tests.Cluster;

public sealed class HashSlotTests
{
    [Fact]
    public void Crc16_MatchesTheSpecificationCheckValue() =>
        Assert.Equal(0x31C3, HashSlot.Crc16(Encoding.ASCII.GetBytes("123456789")));

    [Theory]
    [InlineData("{user1000}.following", "{user1000}.followers", true)]
    [InlineData("foo{}{bar}", "foo{}{bar}x", false)]
    [InlineData("foo{{bar}}zap", "{bar", true)]
    [InlineData("foo{bar}{zap}", "bar", true)]
    public void HashTags_FollowTheSpecificationExamples(string a, string b, bool sameSlot) =>
        Assert.Equal(sameSlot, HashSlot.Of(a) == HashSlot.Of(b));

    [Fact]
    public void KnownSlot_OfFoo() => Assert.Equal(12182, HashSlot.Of("foo"));
}
