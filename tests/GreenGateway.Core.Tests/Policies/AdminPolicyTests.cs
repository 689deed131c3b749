namespace GreenGateway.Core.Policies.Tests;

/// <summary><c>admins:</c>: operators' keys, hashed like tenants', never a tenant's key, loopback_only where asked.</summary>
public sealed class AdminPolicyTests
{
    [Fact]
    public void Admins_AreReadWithTheirHashedKeys_AndAuthenticateOnlyAsAdmins()
    {
        var yaml = $"""
            tenants:
              acme:
                keys: ["{PolicySet.HashKey("gg-acme")}"]
            admins:
              ops:
                description: the operators
                keys: ["{PolicySet.HashKey("gg-ops")}"]
                loopback_only: true
            """;

        var result = PolicyParser.Parse([("p.yaml", yaml)]);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var set = result.Policies!;
        Assert.True(set.TryAuthenticateAdmin("gg-ops", out var admin));
        Assert.Equal("ops", admin!.Id);
        Assert.True(admin.LoopbackOnly);
        Assert.False(set.TryAuthenticate("gg-ops", out _));
        Assert.False(set.TryAuthenticateAdmin("gg-acme", out _));
        Assert.False(set.TryAuthenticateAdmin("gg-other", out _));
    }

    [Fact]
    public void Admins_WithPlainKeys_ATenantsKey_OrUnknownSettings_AreRefused_EveryErrorListed()
    {
        var yaml = $"""
            tenants:
              acme:
                keys: ["{PolicySet.HashKey("gg-acme")}"]
            admins:
              plain:
                keys: ["gg-admin"]
              borrowed:
                keys: ["{PolicySet.HashKey("gg-acme")}"]
                loopback_only: maybe
                colour: green
            """;

        var result = PolicyParser.Parse([("p.yaml", yaml)]);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Contains("admin 'plain': keys are stored as 'sha256:'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("admin 'borrowed': this key already belongs to tenant 'acme'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("loopback_only is true or false, not 'maybe'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Contains("unknown setting 'colour'", StringComparison.Ordinal));
    }

    [Fact]
    public void ShippedPolicies_HaveTheLoopbackOnlyDemoAdminKey()
    {
        var directory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../policies"));
        var result = PolicyParser.LoadDirectory(directory);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.True(result.Policies!.TryAuthenticateAdmin("gg-admin-demo", out var admin));
        Assert.True(admin!.LoopbackOnly);
    }
}
