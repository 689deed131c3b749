using System.Text.Json;

namespace GreenGateway.Configuration.Tests;

/// <summary>
/// The runtime settings the gateway's tail latency depends on (docs/benchmarks.md, "The tail") are in the
/// runtimeconfig.json that ships beside GreenGateway.dll, so that every way of starting it gets them.
/// </summary>
public sealed class RuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "GreenGateway.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void GatewayRuntimeConfig_RunsServerGcWithoutDatas()
    {
        var properties = ConfigProperties();

        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(0, properties.GetProperty("System.GC.DynamicAdaptationMode").GetInt32());
    }

    [Fact]
    public void GatewayRuntimeConfig_ThreadPoolWorkersDoNotSpin()
    {
        Assert.Equal(0, ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
