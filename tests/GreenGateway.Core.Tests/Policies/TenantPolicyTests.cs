namespace GreenGateway.Core.Policies.Tests;

public sealed class TenantPolicyTests
{
    [Theory]
    [InlineData("llama-8b", true)]
    [InlineData("llama-70b", true)]
    [InlineData("Llama-8b", false)]
    [InlineData("llama", false)]
    [InlineData("gpt-4o", false)]
    public void AllowsModel_WithAList_AllowsExactlyThoseNames(string model, bool allowed)
    {
        var tenant = new TenantPolicy { Id = "acme", KeyHashes = [], Models = ["llama-8b", "llama-70b"] };

        Assert.Equal(allowed, tenant.AllowsModel(model));
    }

    [Fact]
    public void AllowsModel_WithStar_AllowsAnyModel()
    {
        var tenant = new TenantPolicy { Id = "acme", KeyHashes = [], Models = ["small", "*"] };

        Assert.True(tenant.AllowsModel("anything-at-all"));
    }

    [Fact]
    public void AllowsModel_ByDefault_AllowsAnyModel()
    {
        Assert.True(new TenantPolicy { Id = "acme", KeyHashes = [] }.AllowsModel("llama-8b"));
    }

    [Fact]
    public void AllowsModel_WithNoModels_AllowsNone()
    {
        Assert.False(new TenantPolicy { Id = "acme", KeyHashes = [], Models = [] }.AllowsModel("llama-8b"));
    }
}
