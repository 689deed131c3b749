using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GreenGateway.Inference.Cuda.Backend;

/// <summary>
/// Loads a model on the backend that configuration names. The result is an <see cref="IModelBackend"/> for
/// <c>new InferenceEngine(backend, tokenizer, ...)</c>; on CUDA it is a <see cref="CudaModel"/>, whose
/// <see cref="CudaModel.Energy"/> measures each request's GPU energy.
/// </summary>
public static partial class InferenceBackend
{
    /// <summary>
    /// Loads <paramref name="modelPath"/> (a checkpoint folder or .gguf) on <paramref name="backend"/>
    /// (<c>cpu</c>, <c>cuda</c> or <c>auto</c>). <c>auto</c> uses the GPU when a driver and a GPU are there and the
    /// model loads on it, and otherwise logs why and returns the CPU engine; <c>cuda</c> throws instead.
    /// </summary>
    public static IModelBackend Create(string modelPath, string backend, LoadOptions? loadOptions = null, ILogger? logger = null,
        CudaOptions? cudaOptions = null) =>
        Create(modelPath, BackendKinds.Parse(backend), loadOptions, logger, cudaOptions);

    public static IModelBackend Create(string modelPath, BackendKind backend, LoadOptions? loadOptions = null, ILogger? logger = null,
        CudaOptions? cudaOptions = null)
    {
        logger ??= NullLogger.Instance;
        loadOptions ??= new LoadOptions();
        if (backend == BackendKind.Cpu)
        {
            return ModelLoader.Load(modelPath, loadOptions);
        }

        if (!CudaRuntime.Probe(out var reason))
        {
            if (backend == BackendKind.Cuda)
            {
                throw new CudaUnavailableException($"the CUDA backend was asked for, but {reason}.");
            }

            Log.FallingBack(logger, reason);
            return ModelLoader.Load(modelPath, loadOptions);
        }

        // The CPU loader reads the checkpoint (f16 widened exactly to f32); the GPU copy is made from it and the
        // host copy released. Int8 on the GPU is quantized from those f32 values by the CPU engine's rule.
        var cpu = ModelLoader.Load(modelPath, loadOptions with { Weights = Kernels.WeightFormat.F32, Threads = 1 });
        try
        {
            var options = cudaOptions ?? new CudaOptions
            {
                Weights = loadOptions.Weights == Kernels.WeightFormat.Int8 ? CudaWeightFormat.Int8 : CudaWeightFormat.F16,
            };
            var model = CudaModel.FromCpuModel(cpu, options);
            Log.Loaded(logger, modelPath, model.DeviceDescription, options.Weights.ToString(), model.KernelLoad.Compiled, model.KernelLoad.Cached,
                model.Energy is null ? $"unavailable: {model.EnergyUnavailableReason}" : "nvml");
            return model;
        }
        catch (Exception e) when (backend == BackendKind.Auto && e is not OutOfMemoryException)
        {
            Log.FallingBack(logger, e.Message);
            return ModelLoader.Load(modelPath, loadOptions);
        }
        finally
        {
            cpu.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Backend 'auto': running on the CPU because {Reason}")]
        public static partial void FallingBack(ILogger logger, string reason);

        [LoggerMessage(EventId = 7002, Level = LogLevel.Information,
            Message = "Loaded {Model} on {Device} ({Weights} weights; kernels: {Compiled} compiled, {Cached} from the module cache; energy: {Energy})")]
        public static partial void Loaded(ILogger logger, string model, string device, string weights, int compiled, int cached, string energy);
    }
}

/// <summary>The CUDA backend was asked for by name, but the machine has no usable GPU or driver.</summary>
public sealed class CudaUnavailableException(string message) : Exception(message);
