using System.Numerics.Tensors;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Inference.Cuda.Tests.Checks;

/// <summary>
/// The CUDA backend against the CPU engine on a real checkpoint: prefill logits of every prompt position, then
/// the same greedy continuation token for token (with and without the decode graph, and through DecodeGreedy).
/// Int8 on the GPU is compared with the CPU engine's Int8 on logits (bound 1e-3; both quantize the same way).
/// </summary>
public static class GreedyChecks
{
    public static readonly string[] Prompts =
    [
        "The energy cost of a token",
        "Once upon a time, there was a little",
        "def fibonacci(n):",
    ];

    public static IReadOnlyList<CheckResult> Run(string modelDir, string cacheDirectory, int tokens = 32)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(modelDir));
        var tokenizer = Tokenizer.FromFile(Path.Combine(modelDir, "tokenizer.json"));
        var results = new List<CheckResult>();
        using var cpu = ModelLoader.Load(modelDir, new LoadOptions { Threads = Math.Min(8, Environment.ProcessorCount) });
        using var cpuInt8 = ModelLoader.Load(modelDir, new LoadOptions { Weights = WeightFormat.Int8, Threads = Math.Min(8, Environment.ProcessorCount) });
        foreach (var (graphs, pdl) in new[] { (true, true), (false, true), (true, false) })
        {
            using var gpu = CudaModel.FromCpuModel(cpu, new CudaOptions
            {
                UseGraphs = graphs, ProgrammaticLaunch = pdl, CublasMinRows = 0, ModuleCacheDirectory = cacheDirectory,
            });
            var mode = (graphs ? "" : " (no graphs)") + (pdl ? "" : " (no programmatic launch)");
            foreach (var text in Prompts)
            {
                var prompt = tokenizer.Encode(text, addSpecialTokens: true).ToArray();
                results.Add(Prefill(cpu, gpu, prompt, $"{name} prefill logits '{text}'{mode}", 1e-4));
                results.Add(Greedy(cpu, gpu, prompt, tokens, $"{name} greedy {tokens} '{text}'{mode}"));
            }
        }

        using (var blas = CudaModel.FromCpuModel(cpu, new CudaOptions { ModuleCacheDirectory = cacheDirectory }))
        {
            // A prompt long enough for the cuBLAS prefill path (f16 activations): logits within 1e-2, and whether the
            // greedy continuation still equals the CPU engine's is reported (a near-tie may flip).
            var text = string.Join(' ', Prompts) + " " + string.Join(' ', Prompts);
            var prompt = tokenizer.Encode(text, addSpecialTokens: true).ToArray();
            results.Add(Prefill(cpu, blas, prompt, $"{name} prefill logits, {prompt.Length} tokens through cuBLAS (cuBLAS {(blas.UsesCublas ? "on" : "OFF")})", 1e-2));
            results.Add(Greedy(cpu, blas, prompt, tokens, $"{name} greedy {tokens} after a {prompt.Length}-token prompt prefilled through cuBLAS", 1e-2));
        }

        using (var gpuInt8 = CudaModel.FromCpuModel(cpu, new CudaOptions { Weights = CudaWeightFormat.Int8, ModuleCacheDirectory = cacheDirectory }))
        {
            var prompt = tokenizer.Encode(Prompts[0], addSpecialTokens: true).ToArray();
            results.Add(Prefill(cpuInt8, gpuInt8, prompt, $"{name} int8 prefill logits vs CPU int8", 1e-3));
        }

        return results;
    }

    private static CheckResult Prefill(IModelBackend cpu, IModelBackend gpu, int[] prompt, string label, double bound)
    {
        var vocab = cpu.Config.VocabSize;
        var a = new float[prompt.Length * vocab];
        var b = new float[prompt.Length * vocab];
        var ca = cpu.CreateCache(prompt.Length + 1);
        var cb = gpu.CreateCache(prompt.Length + 1);
        try
        {
            cpu.Forward(ca, prompt, a, allPositions: true);
            gpu.Forward(cb, prompt, b, allPositions: true);
            return new CheckResult(label, Naive.NormalizedError(b, a), bound);
        }
        finally
        {
            ca.ReleaseStorage();
            cb.ReleaseStorage();
        }
    }

    private static CheckResult Greedy(TransformerModel cpu, CudaModel gpu, int[] prompt, int tokens, string label, double bound = 1e-4)
    {
        var vocab = cpu.Config.VocabSize;
        var expected = Continue(cpu, prompt, tokens, out var cpuLast);
        var actual = Continue(gpu, prompt, tokens, out var gpuLast);
        var stepError = Naive.NormalizedError(gpuLast, cpuLast);
        // The same continuation once more with the argmax on the GPU (DecodeGreedy): logits never leave the device.
        var onDevice = new List<int>();
        var cache = gpu.CreateCache(prompt.Length + tokens + 1);
        try
        {
            var logits = new float[vocab];
            gpu.Forward(cache, prompt, logits);
            var next = TensorPrimitives.IndexOfMax(logits);
            for (var i = 0; i < tokens; i++)
            {
                onDevice.Add(next);
                next = gpu.DecodeGreedy(cache, next);
            }
        }
        finally
        {
            cache.ReleaseStorage();
        }

        var firstDiff = FirstDifference(expected, actual);
        var deviceDiff = FirstDifference(expected, onDevice);
        var same = firstDiff < 0 && deviceDiff < 0;
        return new CheckResult(label, same ? stepError : double.PositiveInfinity, bound,
            same ? "tokens identical (logits copy and on-device argmax); error = decode-step logits"
                : $"first difference at token {Math.Max(firstDiff, deviceDiff)}: cpu [{string.Join(' ', expected)}] gpu [{string.Join(' ', actual)}] argmax [{string.Join(' ', onDevice)}]");
    }

    private static List<int> Continue(IModelBackend model, int[] prompt, int tokens, out float[] lastLogits)
    {
        var logits = new float[model.Config.VocabSize];
        var result = new List<int>();
        var cache = model.CreateCache(prompt.Length + tokens + 1);
        try
        {
            model.Forward(cache, prompt, logits);
            for (var i = 0; i < tokens; i++)
            {
                var next = TensorPrimitives.IndexOfMax(logits);
                result.Add(next);
                model.Forward(cache, [next], logits);
            }
        }
        finally
        {
            cache.ReleaseStorage();
        }

        lastLogits = logits;
        return result;
    }

    private static int FirstDifference(List<int> a, List<int> b)
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }

        return a.Count == b.Count ? -1 : Math.Min(a.Count, b.Count);
    }
}
