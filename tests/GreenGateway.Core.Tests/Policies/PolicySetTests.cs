using System.Security.Cryptography;
using System.Text;

namespace GreenGateway.Core.Policies.Tests;

public sealed class PolicySetTests
{
    private static readonly string LongKey = new('k', 600);

    private readonly PolicySet _set = new(
        [Tenant("acme", "gg-acme", "gg-acme-2"), Tenant("beta", "gg-beta"), Tenant("long", LongKey), Tenant("unicode", "clé-ü-🔑")],
        ["p.yaml"]);

    [Theory]
    [InlineData("gg-acme", "acme")]
    [InlineData("gg-acme-2", "acme")]
    [InlineData("gg-beta", "beta")]
    [InlineData("clé-ü-🔑", "unicode")]
    public void TryAuthenticate_WithATenantsKey_FindsThatTenant(string key, string tenant)
    {
        Assert.True(_set.TryAuthenticate(key, out var found));
        Assert.Equal(tenant, found!.Id);
    }

    [Theory]
    [InlineData("gg-acm")]
    [InlineData("GG-ACME")]
    [InlineData("gg-acme ")]
    [InlineData("")]
    public void TryAuthenticate_WithAWrongOrEmptyKey_Fails(string key)
    {
        Assert.False(_set.TryAuthenticate(key, out var found));
        Assert.Null(found);
    }

    [Fact]
    public void TryAuthenticate_WithAKeyOver512Characters_FailsEvenWhenItsHashIsKnown()
    {
        Assert.False(_set.TryAuthenticate(LongKey, out var found));
        Assert.Null(found);
    }

    [Fact]
    public void TryAuthenticate_WithAKeyOf512Characters_Succeeds()
    {
        var key = new string('x', 512);
        var set = new PolicySet([Tenant("edge", key)], []);

        Assert.True(set.TryAuthenticate(key, out var found));
        Assert.Equal("edge", found!.Id);
    }

    [Fact]
    public void TryAuthenticate_OnTheEmptySet_Fails()
    {
        Assert.False(PolicySet.Empty.TryAuthenticate("gg-demo", out _));
    }

    [Fact]
    public void HashKey_IsSha256PrefixAndLowerCaseHex()
    {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        Assert.Equal("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", PolicySet.HashKey("abc"));
    }

    [Fact]
    public void HashKey_HashesTheUtf8Bytes()
    {
        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("clé")));

        Assert.Equal(expected, PolicySet.HashKey("clé"));
    }

    private static TenantPolicy Tenant(string id, params string[] keys) => new()
    {
        Id = id,
        KeyHashes = keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToList(),
    };
}
