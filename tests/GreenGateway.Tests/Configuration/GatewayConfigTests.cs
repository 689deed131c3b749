using GreenGateway.Core.Energy;
using Microsoft.Extensions.Configuration;

namespace GreenGateway.Configuration.Tests;

public sealed class GatewayConfigTests
{
    [Fact]
    public void Validate_ReportsEveryError_NotJustTheFirst()
    {
        var config = new GatewayConfig
        {
            Gateway = new GatewayOptions { MaxRequestBodyBytes = 0 },
            Upstreams = new Dictionary<string, UpstreamOptions>
            {
                ["main"] = new() { Destinations = ["not a url"], MaxAttempts = 0, EnergyProfile = "missing" },
            },
            Models = new Dictionary<string, ModelAliasOptions> { ["big"] = new() { Upstream = "nowhere" } },
            Energy = new EnergyOptions { Pue = 0.5, DefaultProfile = "absent", Profiles = new() { ["p"] = new EnergyProfile { JoulesPerPromptToken = -1 } } },
            Carbon = new CarbonOptions { Source = "guess" },
        };

        var errors = config.Validate();

        Assert.Equal(9, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Gateway.MaxRequestBodyBytes", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'not a url'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Upstreams.main.MaxAttempts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Upstreams.main.EnergyProfile", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Models.big.Upstream", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Energy.Pue", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Energy.DefaultProfile", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Energy.Profiles.p.JoulesPerPromptToken", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Carbon.Source", StringComparison.Ordinal));
    }

    [Fact]
    public void PassThroughPaths_EachNeedAValidRule_AndNoneMayBeAnAccountedEndpoint()
    {
        var config = new GatewayConfig
        {
            Gateway = new GatewayOptions
            {
                PassThroughPaths =
                [
                    new() { Path = "/v1/Responses/x", Accounting = "free" },
                    new() { Path = "/v1/audio/speech", Accounting = "fixed" },
                    new() { Path = "/v1/custom", Accounting = "tokens", JoulesPerRequest = 3 },
                    new() { Path = "/v1/x", Accounting = "maybe" },
                    new() { Path = "/v1/y", Accounting = "tokens", EnergyProfile = "nope" },
                    new() { Path = "/v1/ok", Accounting = "fixed", JoulesPerRequest = 5 },
                    new() { Path = "/v1/files" },
                ],
            },
            Responses = new ResponsesSettings { StoreTtlHours = 0 },
        };

        var errors = config.Validate();

        Assert.Equal(5, errors.Count(e => e.StartsWith("Gateway.PassThroughPaths", StringComparison.Ordinal)));
        Assert.Contains(errors, e => e.Contains("'/v1/Responses/x' is an accounted endpoint", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway.PassThroughPaths[1].JoulesPerRequest", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Gateway.PassThroughPaths[2].JoulesPerRequest", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'maybe' is not one of: free, fixed, tokens", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("EnergyProfile 'nope'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Responses.StoreTtlHours", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_WithInvalidConfiguration_RefusesToStart_ListingTheErrors()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GatewayApp.Build([], new Dictionary<string, string?>
        {
            ["Energy:Pue"] = "0.2",
            ["Upstreams:default:Destinations:0"] = "ftp://nope",
        }));

        Assert.Contains("Energy.Pue", error.Message, StringComparison.Ordinal);
        Assert.Contains("ftp://nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedAppsettings_IsValid()
    {
        var config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            .Build();
        var bound = config.Get<GatewayConfig>()!;

        Assert.Empty(bound.Validate());
        Assert.Equal(0.45, bound.Energy.Profiles["llm-8b"].JoulesPerCompletionToken);
        Assert.Equal(3.8, bound.Energy.Profiles["llm-70b"].JoulesPerCompletionToken);
    }
}
