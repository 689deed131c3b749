using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.ModelHost.Tests.Support;

namespace GreenGateway.ModelHost.Configuration.Tests;

public sealed class BackendTests
{
    [Fact]
    public void Validate_AnUnknownBackend_NamesTheAcceptedOnes()
    {
        var errors = new ModelHostOptions { Model = ModelHostServer.ModelPathOf("draft"), Backend = "tpu" }.Validate();

        var error = Assert.Single(errors);
        Assert.Contains("ModelHost:Backend must be 'cpu', 'cuda' or 'auto', not 'tpu'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackendAuto_ServesFromTheGpuWithNvmlEnergy_OrFromTheCpuWhereThereIsNone()
    {
        var gpu = CudaRuntime.Probe(out _);
        await using var server = await ModelHostServer.StartAsync("draft", new Dictionary<string, string?> { ["ModelHost:Backend"] = "auto" });

        var (response, body) = await server.PostAsync("/v1/completions", new { prompt = "Once upon a time", temperature = 0, max_tokens = 8, ignore_eos = true });

        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        Assert.Equal(8, body["usage"]!["completion_tokens"]!.GetValue<int>());
        var method = response.Headers.GetValues("X-Energy-Method").Single();
        if (gpu)
        {
            Assert.Equal("nvml", method);
        }
        else
        {
            Assert.NotEqual("nvml", method);
        }
    }
}
