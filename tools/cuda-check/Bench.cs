using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Native;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>
/// Decode speed and energy, batch 1, greedy: each sequence is an 8-token prompt (prefill) and 256 generated
/// tokens, repeated for at least the given seconds; tokens/s = generated tokens / wall time, J/token = the GPU's
/// NVML energy over the same time / generated tokens (the CPU rows: process CPU time x 4.4 W/core, the model
/// host's estimate, since RAPL is not readable in the GPU machine's VM). Next to it, the memory-bandwidth floor:
/// a device-to-device copy of 1 GiB measured in the same run, over the weight bytes one token reads.
/// </summary>
internal static class Bench
{
    private const int Generated = 256;
    private const double WattsPerCore = 4.4;

    public static void Run(string models, string cache, double seconds, Action<string> line)
    {
        var bandwidth = CopyBandwidth();
        line("");
        line($"# Benchmark (batch 1, greedy, {Generated} tokens a sequence; {Environment.ProcessorCount} CPU threads)");
        line($"device-to-device copy: {bandwidth / 1e9:0} GB/s (bytes read + written, 1 GiB buffers)");
        line("");
        line("| model | backend | weights | graphs | path | tok/s | J/token | avg W | weight MB/token | floor tok/s | of floor |");
        line("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|");
        var replays = new List<string>();
        foreach (var name in new[] { "draft", "target" })
        {
            var dir = Path.Combine(models, name);
            var tokenizer = Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json"));
            var prompt = tokenizer.Encode("Once upon a time, there was a little", addSpecialTokens: true).ToArray()[..8];
            using var cpu = ModelLoader.Load(dir, new LoadOptions { Threads = Environment.ProcessorCount });
            var c = Measure(cpu, prompt, seconds / 2, null, onDevice: false);
            line(Row(name, "cpu", "f32", "-", "logits to host", c, cpu.WeightBytesPerToken, bandwidth));
            foreach (var (format, graphs, onDevice, pdl) in new[]
            {
                (CudaWeightFormat.F16, true, true, true), (CudaWeightFormat.F16, false, true, true), (CudaWeightFormat.F16, true, false, true),
                (CudaWeightFormat.Int8, true, true, true), (CudaWeightFormat.F16, true, true, false), (CudaWeightFormat.F16, false, true, false),
                (CudaWeightFormat.Int8, true, true, false),
            })
            {
                using var gpu = CudaModel.FromCpuModel(cpu, new CudaOptions
                {
                    Weights = format, UseGraphs = graphs, ProgrammaticLaunch = pdl, ModuleCacheDirectory = cache,
                });
                var r = Measure(gpu, prompt, seconds, gpu.Energy, onDevice);
                if (graphs && onDevice)
                {
                    var kv = gpu.CreateCache(prompt.Length + Generated + 1);
                    gpu.Forward(kv, prompt, new float[gpu.Config.VocabSize]);
                    for (var i = 0; i < Generated / 2; i++)
                    {
                        gpu.DecodeGreedy(kv, 5);
                    }

                    var us = gpu.DecodeGraphMicroseconds(kv, 2000);
                    kv.ReleaseStorage();
                    replays.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{name} {format}{(pdl ? "" : " no programmatic launch")}: decode graph replayed back to back at position {prompt.Length + Generated / 2}: {us:0.0} us a step on the GPU alone"));
                }

                line(Row(name, "cuda", format.ToString().ToLowerInvariant(), (graphs ? "yes" : "no") + (pdl ? "" : ", no PDL"),
                    onDevice ? "argmax on GPU" : "logits to host", r, gpu.WeightBytesPerToken, bandwidth));
            }

            using (var gpu = CudaModel.FromCpuModel(cpu, new CudaOptions { ModuleCacheDirectory = cache }))
            {
                var r = MeasureEngine(gpu, tokenizer, prompt, seconds);
                line(Row(name, "cuda", "f16", "yes", "InferenceEngine.GenerateAsync", r, gpu.WeightBytesPerToken, bandwidth));
                replays.Add(FairShare(gpu, tokenizer, prompt));
            }
        }

        line("");
        line("| model | prefill of 256 tokens | ms | tok/s |");
        line("|---|---|---:|---:|");
        foreach (var name in new[] { "draft", "target" })
        {
            using var cpu = ModelLoader.Load(Path.Combine(models, name), new LoadOptions { Threads = Environment.ProcessorCount });
            var prompt = Enumerable.Range(0, 256).Select(static i => 3 + i * 7 % 5000).ToArray();
            line(PrefillRow(name, "cpu f32", cpu, prompt));
            using (var own = CudaModel.FromCpuModel(cpu, new CudaOptions { CublasMinRows = 0, ModuleCacheDirectory = cache }))
            {
                line(PrefillRow(name, "cuda f16, own kernels", own, prompt));
            }

            using (var blas = CudaModel.FromCpuModel(cpu, new CudaOptions { ModuleCacheDirectory = cache }))
            {
                line(PrefillRow(name, "cuda f16, cuBLAS", blas, prompt));
            }
        }

        line("");
        foreach (var r in replays)
        {
            line(r);
        }

        line(NvmlResolution());
    }

    private readonly record struct Result(double TokensPerSecond, double JoulesPerToken, double Watts, string Method);

    private static string Row(string model, string backend, string weights, string graphs, string path, Result r, long bytes, double bandwidth)
    {
        var floor = bandwidth / bytes;
        return string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {backend} | {weights} | {graphs} | {path} | {r.TokensPerSecond:0} | {r.JoulesPerToken:0.00000} ({r.Method}) | {r.Watts:0} | {bytes / 1e6:0.00} | {floor:0} | {r.TokensPerSecond / floor:0.0%} |");
    }

    private static Result Measure(IModelBackend model, int[] prompt, double seconds, GreenGateway.Inference.Cuda.Energy.GpuEnergy? energy, bool onDevice)
    {
        var vocab = model.Config.VocabSize;
        var logits = new float[vocab];
        RunSequences(model, prompt, logits, 1, onDevice); // warm-up: kernels loaded, graph captured
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var j0 = energy?.ReadJoules() ?? 0;
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            tokens += RunSequences(model, prompt, logits, 1, onDevice);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var joules = energy is null
            ? (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds * WattsPerCore
            : energy.ReadJoules() - j0;
        return new Result(tokens / elapsed, joules / tokens, joules / elapsed, energy is null ? "cpu-time x 4.4 W" : "nvml");
    }

    private static int RunSequences(IModelBackend model, int[] prompt, float[] logits, int count, bool onDevice)
    {
        var produced = 0;
        for (var s = 0; s < count; s++)
        {
            var cache = model.CreateCache(prompt.Length + Generated + 1);
            try
            {
                model.Forward(cache, prompt, logits);
                var next = TensorPrimitives.IndexOfMax(logits);
                for (var i = 1; i < Generated; i++)
                {
                    if (onDevice && model is CudaModel gpu)
                    {
                        next = gpu.DecodeGreedy(cache, next);
                    }
                    else
                    {
                        model.Forward(cache, [next], logits);
                        next = TensorPrimitives.IndexOfMax(logits);
                    }
                }

                produced += Generated;
            }
            finally
            {
                cache.ReleaseStorage();
            }
        }

        return produced;
    }

    private static Result MeasureEngine(CudaModel model, Tokenizer tokenizer, int[] prompt, double seconds)
    {
        using var engine = new InferenceEngine(model, tokenizer);
        var options = new SamplingOptions { Temperature = 0, MaxTokens = Generated, IgnoreEos = true };
        Generate(engine, prompt, options);
        var j0 = model.Energy?.ReadJoules() ?? 0;
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            tokens += Generate(engine, prompt, options);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var joules = (model.Energy?.ReadJoules() ?? 0) - j0;
        return new Result(tokens / elapsed, joules / tokens, joules / elapsed, "nvml");
    }

    /// <summary>
    /// Four concurrent requests of different lengths on one engine, each metered with GpuEnergy.Begin/End (what the
    /// model host does): their shares against the NVML counter over the same span.
    /// </summary>
    private static string FairShare(CudaModel model, Tokenizer tokenizer, int[] prompt)
    {
        using var engine = new InferenceEngine(model, tokenizer);
        var energy = model.Energy!;
        Thread.Sleep(250); // let the sampler see a counter update
        var j0 = energy.ReadJoules();
        var clock = Stopwatch.StartNew();
        var tasks = new[] { 2048, 1024, 512, 256 }.Select(tokens => Task.Run(() =>
        {
            var share = energy.Begin();
            var n = Generate(engine, prompt, new SamplingOptions { Temperature = 0, MaxTokens = tokens, IgnoreEos = true });
            return (Tokens: n, Joules: energy.End(share));
        })).ToArray();
        Task.WaitAll(tasks);
        var elapsed = clock.Elapsed.TotalSeconds;
        Thread.Sleep(250);
        var total = energy.ReadJoules() - j0;
        var parts = string.Join(", ", tasks.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Result.Tokens} tokens {t.Result.Joules:0.000} J")));
        var sum = tasks.Sum(t => t.Result.Joules);
        return string.Create(CultureInfo.InvariantCulture,
            $"{model.Config.HiddenSize}-wide model, 4 concurrent requests in {elapsed:0.00} s: {parts}; sum {sum:0.000} J; NVML counter over the span (+0.25 s each side) {total:0.000} J; largest batch {engine.LargestDecodeBatch}");
    }

    private static string PrefillRow(string model, string label, IModelBackend backend, int[] prompt)
    {
        var logits = new float[backend.Config.VocabSize];
        var times = new List<double>();
        for (var i = 0; i < 12; i++)
        {
            var cache = backend.CreateCache(prompt.Length);
            var clock = Stopwatch.StartNew();
            backend.Forward(cache, prompt, logits);
            times.Add(clock.Elapsed.TotalMilliseconds);
            cache.ReleaseStorage();
        }

        times.Sort();
        var ms = times[times.Count / 2];
        return string.Create(CultureInfo.InvariantCulture, $"| {model} | {label} | {ms:0.00} | {prompt.Length / ms * 1000:0} |");
    }

    private static int Generate(InferenceEngine engine, int[] prompt, SamplingOptions options)
    {
        var n = 0;
        var e = engine.GenerateAsync(prompt, options).GetAsyncEnumerator();
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                n++;
            }
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return n;
    }

    /// <summary>Bytes read + written per second by cuMemcpyDtoDAsync of 1 GiB (median of 20 after 3 warm-ups).</summary>
    private static double CopyBandwidth()
    {
        using var device = CudaDevice.Open();
        const long bytes = 1L << 30;
        using var a = new DeviceBuffer(device, bytes);
        using var b = new DeviceBuffer(device, bytes);
        Check.Cu(NativeMethods.cuMemsetD32Async(a.Pointer, 0x3f8ccccd, (nuint)(bytes / 4), device.Stream));
        var times = new List<double>();
        for (var i = 0; i < 23; i++)
        {
            device.Synchronize();
            var clock = Stopwatch.StartNew();
            Check.Cu(NativeMethods.cuMemcpyDtoDAsync(b.Pointer, a.Pointer, (nuint)bytes, device.Stream));
            device.Synchronize();
            if (i >= 3)
            {
                times.Add(clock.Elapsed.TotalSeconds);
            }
        }

        times.Sort();
        return 2.0 * bytes / times[times.Count / 2];
    }

    /// <summary>How often NVML's energy counter changes: distinct readings in a second of polling.</summary>
    private static string NvmlResolution()
    {
        using var device = CudaDevice.Open();
        try
        {
            var counter = GreenGateway.Inference.Cuda.Energy.NvmlEnergyCounter.Open(device.PciBusId);
            var clock = Stopwatch.StartNew();
            var last = counter.ReadJoules();
            var changes = 0;
            var reads = 0;
            while (clock.Elapsed.TotalSeconds < 1)
            {
                var now = counter.ReadJoules();
                reads++;
                if (now != last)
                {
                    changes++;
                    last = now;
                }
            }

            return $"NVML energy counter: {changes} changes in 1 s of polling ({reads} reads, {1e6 / reads:0.0} us a read)";
        }
        catch (CudaException e)
        {
            return "NVML energy counter unavailable: " + e.Message;
        }
    }
}
