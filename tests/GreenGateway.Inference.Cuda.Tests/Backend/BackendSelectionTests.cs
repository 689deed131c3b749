using GreenGateway.Inference.Cuda.Backend;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;
using Microsoft.Extensions.Logging;

namespace GreenGateway.Inference.Cuda.Tests.Backend;

public sealed class BackendSelectionTests
{
    private static string Draft => Path.Combine(RepoPaths.Models, "draft");

    [Theory]
    [InlineData("cpu", BackendKind.Cpu)]
    [InlineData("CUDA", BackendKind.Cuda)]
    [InlineData(" auto ", BackendKind.Auto)]
    public void Parse_AcceptsTheThreeNamesInAnyCase(string text, BackendKind expected) => Assert.Equal(expected, BackendKinds.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("rocm")]
    [InlineData(null)]
    public void Parse_RejectsOthers_NamingTheAcceptedOnes(string? text)
    {
        Assert.False(BackendKinds.TryParse(text, out _));
        var e = Assert.Throws<ArgumentException>(() => BackendKinds.Parse(text));
        Assert.Contains(BackendKinds.Accepted, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_LoadsTheCpuEngine()
    {
        using var model = InferenceBackend.Create(Draft, "cpu", new LoadOptions { Threads = 1 });
        Assert.Equal("cpu", model.Name);
        Assert.IsType<TransformerModel>(model);
    }

    [Fact]
    public void Auto_WithoutAGpu_FallsBackToTheCpuAndLogsWhy()
    {
        Assert.SkipWhen(CudaRuntime.Probe(out _), "this machine has a GPU; the fallback is for machines without one.");
        var log = new ListLogger();
        using var model = InferenceBackend.Create(Draft, "auto", new LoadOptions { Threads = 1 }, log);
        Assert.Equal("cpu", model.Name);
        var line = Assert.Single(log.Lines);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("running on the CPU because", line.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_WithoutAGpu_FailsSayingWhy()
    {
        Assert.SkipWhen(CudaRuntime.Probe(out _), "this machine has a GPU.");
        var e = Assert.Throws<CudaUnavailableException>(() => InferenceBackend.Create(Draft, "cuda", new LoadOptions { Threads = 1 }));
        Assert.Contains("the CUDA backend was asked for", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_WithoutADriver_GivesAReason()
    {
        var available = CudaRuntime.Probe(out var reason);
        Assert.False(string.IsNullOrWhiteSpace(reason));
        Assert.SkipWhen(available, "this machine has a GPU.");
        Assert.Contains("CUDA", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_ReportEveryProblemAtOnce()
    {
        var errors = new CudaOptions { Device = -1, MaxContextTokens = 1, KernelDirectory = "/no/such/folder" }.Validate();
        Assert.Equal(3, errors.Count);
    }

    [Fact]
    public void Options_CublasThreshold_IsTwoRowsForLargeModelsUnlessSet()
    {
        var auto = new CudaOptions();
        Assert.Equal(16, auto.CublasMinRowsFor(33_100_000));        // the demo target
        Assert.Equal(2, auto.CublasMinRowsFor(15_010_400_000));     // the Llama-3.1-8B shape
        Assert.Equal(7, new CudaOptions { CublasMinRows = 7 }.CublasMinRowsFor(15_010_400_000));
        Assert.Equal(0, new CudaOptions { CublasMinRows = 0 }.CublasMinRowsFor(15_010_400_000));
        Assert.Single(new CudaOptions { CublasMinRows = -1 }.Validate());
    }

    [Fact]
    public void Cuda_OnAGpu_LoadsTheCudaBackendWithMeasuredEnergy()
    {
        GpuMachine.Require();
        using var model = InferenceBackend.Create(Draft, "cuda", new LoadOptions { Threads = 1 });
        var cuda = Assert.IsType<CudaModel>(model);
        Assert.Equal("cuda", model.Name);
        Assert.NotNull(cuda.Energy);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
