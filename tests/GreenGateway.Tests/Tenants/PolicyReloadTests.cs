using System.Net;
using GreenGateway.Tests.Support;

namespace GreenGateway.Tenants.Tests;

/// <summary>Policies reload when their file changes, and a broken file never replaces good policies.</summary>
public sealed class PolicyReloadTests
{
    [Fact]
    public async Task ChangedPolicyFile_IsReloaded_WithoutRestart()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl]);
        using var beta = gateway.Client("key-beta");
        Assert.Equal(HttpStatusCode.Unauthorized, (await beta.GetAsync("/v1/usage", TestContext.Current.CancellationToken)).StatusCode);

        await File.WriteAllTextAsync(Path.Combine(gateway.PoliciesDirectory, "tenants.yaml"), GatewayHost.WithKeys("""
            tenants:
              beta:
                keys: ["{beta}"]
            """), TestContext.Current.CancellationToken);

        await WaitForAsync(async () => (await beta.GetAsync("/v1/usage")).StatusCode == HttpStatusCode.OK);
        using var alpha = gateway.Client("key-alpha");
        Assert.Equal(HttpStatusCode.Unauthorized, (await alpha.GetAsync("/v1/usage", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task BrokenPolicyFile_KeepsTheCurrentPolicies()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl]);
        var monitor = (PolicyMonitor)gateway.Services.GetService(typeof(PolicyMonitor))!;

        await File.WriteAllTextAsync(Path.Combine(gateway.PoliciesDirectory, "tenants.yaml"), """
            tenants:
              broken:
                keys: ["plain-text-key"]
                budgets:
                  week: { energy_wh: 1 }
            """, TestContext.Current.CancellationToken);
        var errors = monitor.Reload();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("never in plain text", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("unknown budget window 'week'", StringComparison.Ordinal));
        using var alpha = gateway.Client("key-alpha");
        Assert.Equal(HttpStatusCode.OK, (await alpha.GetAsync("/v1/usage", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task RequestInFlight_SurvivesAReload()
    {
        await using var upstream = await FakeOpenAiUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([upstream.BaseUrl]);
        using var alpha = gateway.Client("key-alpha");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json.Body(Json.Chat("stream-slow", stream: true)) };
        var response = await alpha.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        await File.WriteAllTextAsync(Path.Combine(gateway.PoliciesDirectory, "tenants.yaml"), GatewayHost.WithKeys("""
            tenants:
              beta:
                keys: ["{beta}"]
            """), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the condition did not become true within 10 s");
    }
}
