using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Inference.Cuda.Energy;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Generation;
using GreenGateway.Inference.Ilgpu.Model;
using GreenGateway.Inference.Ilgpu.Runtime;
using GreenGateway.Inference.Models;
using GreenGateway.Inference.Tokenization;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>
/// The side-by-side run of issue 17 (cuda-check --gl-bench): the NVRTC backend (CudaModel) and the ILGPU backend
/// (IlgpuModel on CUDA) on the demo models and on random-weight Llama-3.2-1B and Llama-3.1-8B shaped checkpoints.
/// Every figure: greedy, argmax on the GPU (4 bytes a sequence back), tokens/s = generated tokens / wall time,
/// J = NVML's total-energy counter over the same time (idle power included). Batch B: B sequences decoding together
/// (IGreedyDecoding.DecodeGreedy), after their prompts. Verify k: one pass over k new tokens after a 64-token context
/// (ForwardGreedy, argmax of every position), against one decode step. Prefill: a 512-token prompt (demo: 256).
/// Writes gl-bench.json (every figure) and gl-bench.md.
/// </summary>
internal static class GlBench
{
    /// <param name="only">Job names to run (null: all).</param>
    /// <param name="backendNames">Backends to run (null: both).</param>
    public static int Run(string models, string? random, string output, double seconds, string cache, Action<string> line,
        IReadOnlySet<string>? only = null, IReadOnlySet<string>? backendNames = null)
    {
        var root = new JsonObject();
        using var device = CudaDevice.Open();
        root["device"] = device.ToString();
        var energy = NvmlEnergyCounter.Open(device.PciBusId);
        var bandwidth = CopyBandwidth(device);
        root["copy_bandwidth_bytes_per_s"] = bandwidth;
        line($"# ILGPU vs NVRTC on {device}");
        line($"device-to-device copy: {bandwidth / 1e9:0} GB/s (bytes read + written, 1 GiB)");
        line($"ILGPU CUDA accelerator: {Probe(IlgpuDeviceKind.Cuda)}");
        line($"ILGPU OpenCL accelerator: {Probe(IlgpuDeviceKind.OpenCL)}");
        root["ilgpu_opencl"] = Probe(IlgpuDeviceKind.OpenCL);
        var results = new JsonObject();
        root["models"] = results;
        var failures = 0;
        void Save() => File.WriteAllText(Path.Combine(output, "gl-bench.json"), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        // ILGPU on the shapes: batch 1 only (its products, like the own CUDA ones, read the weights once per 4 rows,
        // so batches of the 8B shape would take minutes of the run's time).
        var jobs = new List<(string Name, string Dir, int[] Batches, int[] IlgpuBatches, int Generated, int Prefill, bool Demo)>
        {
            ("draft", Path.Combine(models, "draft"), [1, 8, 32], [1, 8, 32], 256, 256, true),
            ("target", Path.Combine(models, "target"), [1, 8, 32], [1, 8, 32], 256, 256, true),
        };
        if (random is not null)
        {
            jobs.Add(("llama-3.2-1b-shape", Path.Combine(random, "llama-3.2-1b-shape"), [1, 8, 32, 64], [1], 128, 512, false));
            jobs.Add(("llama-3.1-8b-shape", Path.Combine(random, "llama-3.1-8b-shape"), [1, 8, 32, 64], [1], 128, 512, false));
        }

        foreach (var job in jobs)
        {
            if (only is not null && !only.Contains(job.Name))
            {
                continue;
            }

            if (!Directory.Exists(job.Dir))
            {
                line($"skipped {job.Name}: {job.Dir} not found");
                continue;
            }

            var clock = Stopwatch.StartNew();
            using var cpu = ModelLoader.Load(job.Dir, new LoadOptions { Threads = Environment.ProcessorCount });
            line($"");
            line($"## {job.Name}: {cpu.Config.NumLayers} layers, width {cpu.Config.HiddenSize}, vocab {cpu.Config.VocabSize}; loaded in {clock.Elapsed.TotalSeconds:0.0} s");
            var entry = new JsonObject { ["weight_bytes_per_token_f16"] = null };
            var context = Math.Min(2048, cpu.Config.MaxPositionEmbeddings);
            var backends = new JsonObject();
            entry["backends"] = backends;
            results[job.Name] = entry;
            foreach (var backend in new[] { "cuda-nvrtc", "ilgpu-cuda" })
            {
                if (backendNames is not null && !backendNames.Contains(backend))
                {
                    continue;
                }

                var ilgpu = backend == "ilgpu-cuda";
                var full = job.Demo || !ilgpu;
                try
                {
                    clock.Restart();
                    IModelBackend model = backend == "cuda-nvrtc"
                        ? CudaModel.FromCpuModel(cpu, new CudaOptions { ModuleCacheDirectory = cache, MaxContextTokens = context })
                        : IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = IlgpuDeviceKind.Cuda, MaxContextTokens = context });
                    using var owned = model;
                    entry["weight_bytes_per_token_f16"] = model.WeightBytesPerToken;
                    var blasRows = model is CudaModel cm ? $"; cuBLAS from {cm.CublasMinRows} rows" : "";
                    line($"### {backend}: uploaded in {clock.Elapsed.TotalSeconds:0.0} s; {model.WeightBytesPerToken / 1e6:0.0} MB of weights a token; floor {bandwidth / model.WeightBytesPerToken:0} tok/s{blasRows}");
                    var b = new JsonObject();
                    backends[backend] = b;
                    if (job.Demo)
                    {
                        b["checks"] = Checks(cpu, model, job.Dir, line, ref failures);
                        if (!ilgpu)
                        {
                            // The large-model rule (cuBLAS from 2 rows) on a demo model: prompts of 5-10 tokens, which
                            // the default sends to the own kernels, through cuBLAS instead.
                            using var blas = CudaModel.FromCpuModel(cpu, new CudaOptions
                            {
                                ModuleCacheDirectory = cache, MaxContextTokens = context, CublasMinRows = CudaOptions.LargeModelCublasMinRows,
                            });
                            line("cuBLAS from 2 rows:");
                            b["checks_cublas_from_2_rows"] = Checks(cpu, blas, job.Dir, line, ref failures, bound: 2e-3);
                        }
                    }

                    var decode = new JsonObject();
                    b["decode"] = decode;
                    foreach (var batch in ilgpu ? job.IlgpuBatches : job.Batches)
                    {
                        var r = Decode(model, energy, batch, job.Generated, batch == 1 ? seconds : seconds / 2);
                        decode[batch.ToString(CultureInfo.InvariantCulture)] = r.Json();
                        var floor = batch == 1 ? $"; {r.TokensPerSecond / (bandwidth / model.WeightBytesPerToken):0.0%} of the floor" : "";
                        line(string.Create(CultureInfo.InvariantCulture,
                            $"decode batch {batch}: {r.TokensPerSecond:0} tok/s, {r.Joules:0.00000} J/token, {r.Watts:0} W{floor}"));
                        Save();
                    }

                    if (!full)
                    {
                        Save();
                        continue;
                    }

                    var prefill = Prefill(model, energy, job.Prefill, seconds / 3);
                    b["prefill"] = prefill.Json();
                    line(string.Create(CultureInfo.InvariantCulture,
                        $"prefill {job.Prefill}: {prefill.TokensPerSecond:0} tok/s, {prefill.Joules:0.000000} J/token"));
                    var verify = new JsonObject();
                    b["verify"] = verify;
                    foreach (var k in new[] { 1, 4, 8, 16 })
                    {
                        var r = Verify(model, energy, k, seconds / 4);
                        verify[k.ToString(CultureInfo.InvariantCulture)] = r;
                        line(string.Create(CultureInfo.InvariantCulture,
                            $"verify k={k}: {r["ms"]!.GetValue<double>():0.000} ms, {r["joules"]!.GetValue<double>():0.0000} J a call"));
                    }

                    if (job.Demo)
                    {
                        b["engine"] = EngineLoop(model, Tokenizer.FromFile(Path.Combine(job.Dir, "tokenizer.json")), energy, seconds, line);
                    }

                    Save();
                }
                catch (Exception e)
                {
                    failures++;
                    line($"FAIL {job.Name} {backend}: {e.GetType().Name}: {e.Message}");
                    backends[backend] = new JsonObject { ["error"] = e.Message };
                }
            }
        }

        Save();
        return failures;
    }

    private readonly record struct Rate(double TokensPerSecond, double Joules, double Watts, long Tokens, double Seconds)
    {
        public JsonObject Json() => new()
        {
            ["tokens_per_s"] = Math.Round(TokensPerSecond, 1),
            ["joules_per_token"] = Joules,
            ["watts"] = Math.Round(Watts, 1),
            ["tokens"] = Tokens,
            ["seconds"] = Math.Round(Seconds, 3),
        };
    }

    /// <summary>Batch B sequences: 8-token prompts, then <paramref name="generated"/> steps of all B together, repeated.</summary>
    private static Rate Decode(IModelBackend model, NvmlEnergyCounter energy, int batch, int generated, double seconds)
    {
        var greedy = (IGreedyDecoding)model;
        var rounds = 0;
        long tokens = 0;
        double j0 = 0;
        Stopwatch? clock = null;
        while (clock is null || clock.Elapsed.TotalSeconds < seconds || rounds < 2)
        {
            var caches = Enumerable.Range(0, batch).Select(_ => model.CreateCache(8 + generated + 1)).ToArray();
            var next = new int[batch];
            var step = new int[8];
            for (var i = 0; i < batch; i++)
            {
                int[] prompt = [1, 100 + i, 200 + i, 300, 400, 500 + i, 600, 700];
                greedy.ForwardGreedy(caches[i], prompt, step);
                next[i] = step[7];
            }

            for (var s = 0; s < generated; s++)
            {
                greedy.DecodeGreedy(caches, next.ToArray(), next);
            }

            foreach (var c in caches)
            {
                c.ReleaseStorage();
            }

            rounds++;
            if (clock is null)
            {
                // The first round warms up (kernels compiled, graph captured); the measurement starts after it.
                j0 = Edge(energy);
                clock = Stopwatch.StartNew();
                continue;
            }

            tokens += (long)batch * generated;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var joules = Edge(energy) - j0;
        return new Rate(tokens / elapsed, joules / tokens, joules / elapsed, tokens, elapsed);
    }

    private static Rate Prefill(IModelBackend model, NvmlEnergyCounter energy, int length, double seconds)
    {
        var greedy = (IGreedyDecoding)model;
        var prompt = Enumerable.Range(0, length).Select(static i => 3 + (i * 7 % 5000)).ToArray();
        var logits = new float[model.Config.VocabSize];
        void Once()
        {
            var c = model.CreateCache(length);
            model.Forward(c, prompt, logits);
            c.ReleaseStorage();
        }

        Once();
        var j0 = Edge(energy);
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        while (clock.Elapsed.TotalSeconds < seconds || tokens < 4L * length)
        {
            Once();
            tokens += length;
        }

        _ = greedy;
        var elapsed = clock.Elapsed.TotalSeconds;
        var joules = Edge(energy) - j0;
        return new Rate(tokens / elapsed, joules / tokens, joules / elapsed, tokens, elapsed);
    }

    /// <summary>One pass over k new tokens after a 64-token context (k = 1 is one decode step), repeated; the cache is cut back after each.</summary>
    internal static JsonObject Verify(IModelBackend model, NvmlEnergyCounter energy, int k, double seconds)
    {
        var greedy = (IGreedyDecoding)model;
        var cache = model.CreateCache(64 + k + 1);
        var context = Enumerable.Range(0, 64).Select(static i => 5 + (i * 13 % 4000)).ToArray();
        var next = new int[64];
        greedy.ForwardGreedy(cache, context, next);
        var drafted = Enumerable.Range(0, k).Select(static i => 11 + i).ToArray();
        var outk = new int[k];
        for (var i = 0; i < 3; i++)
        {
            greedy.ForwardGreedy(cache, drafted, outk);
            cache.Truncate(64);
        }

        var j0 = Edge(energy);
        var clock = Stopwatch.StartNew();
        var calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds || calls < 20)
        {
            greedy.ForwardGreedy(cache, drafted, outk);
            cache.Truncate(64);
            calls++;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var joules = Edge(energy) - j0;
        cache.ReleaseStorage();
        return new JsonObject
        {
            ["ms"] = elapsed * 1000 / calls,
            ["joules"] = joules / calls,
            ["calls"] = calls,
        };
    }

    /// <summary>
    /// The engine's loop against the raw decode loop, batch 1, 256 tokens a sequence: InferenceEngine.GenerateAsync with
    /// log-probabilities (logits to the host, sampled there) and without (argmax on the GPU through IGreedyDecoding).
    /// </summary>
    private static JsonObject EngineLoop(IModelBackend model, Tokenizer tokenizer, NvmlEnergyCounter energy, double seconds, Action<string> line)
    {
        var result = new JsonObject();
        using var engine = new InferenceEngine(model, tokenizer);
        int[] prompt = [1, 100, 200, 300, 400, 500, 600, 700];
        foreach (var (label, logprobs) in new[] { ("engine, log-probabilities (logits to host)", true), ("engine, greedy on the GPU", false) })
        {
            var options = new SamplingOptions { Temperature = 0, MaxTokens = 256, IgnoreEos = true, Logprobs = logprobs };
            Generate(engine, prompt, options);
            var j0 = Edge(energy);
            var clock = Stopwatch.StartNew();
            long tokens = 0;
            while (clock.Elapsed.TotalSeconds < seconds / 2)
            {
                tokens += Generate(engine, prompt, options);
            }

            var elapsed = clock.Elapsed.TotalSeconds;
            var r = new Rate(tokens / elapsed, (Edge(energy) - j0) / tokens, 0, tokens, elapsed);
            result[logprobs ? "logprobs" : "greedy_on_gpu"] = r.Json();
            line(string.Create(CultureInfo.InvariantCulture, $"{label}: {r.TokensPerSecond:0} tok/s, {r.Joules:0.00000} J/token"));
        }

        if (model is CudaModel cuda)
        {
            var kv = cuda.CreateCache(8 + 256 + 1);
            cuda.Forward(kv, prompt, new float[cuda.Config.VocabSize]);
            for (var i = 0; i < 128; i++)
            {
                cuda.DecodeGreedy(kv, 5);
            }

            var us = cuda.DecodeGraphMicroseconds(kv, 2000);
            kv.ReleaseStorage();
            result["graph_replay_us"] = us;
            line(string.Create(CultureInfo.InvariantCulture, $"decode graph replayed back to back: {us:0.0} us a step ({1e6 / us:0} tok/s on the GPU alone)"));
        }

        return result;
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

    /// <summary>
    /// Prefill logits of three prompts and 32 greedy tokens against the CPU engine (the GPU checks of the demo models).
    /// Bound on the logits' normalized error: 1e-4 with f32 activations, 2e-3 where cuBLAS rounds them to f16.
    /// </summary>
    private static JsonArray Checks(TransformerModel cpu, IModelBackend gpu, string dir, Action<string> line, ref int failures, double bound = 1e-4)
    {
        var tokenizer = Tokenizer.FromFile(Path.Combine(dir, "tokenizer.json"));
        var vocab = cpu.Config.VocabSize;
        var list = new JsonArray();
        foreach (var text in new[] { "The energy cost of a token", "Once upon a time, there was a little", "def fibonacci(n):" })
        {
            var prompt = tokenizer.Encode(text, addSpecialTokens: true).ToArray();
            var a = new float[prompt.Length * vocab];
            var b = new float[prompt.Length * vocab];
            cpu.Forward(cpu.CreateCache(prompt.Length + 1), prompt, a, allPositions: true);
            var gc = gpu.CreateCache(prompt.Length + 40);
            gpu.Forward(gc, prompt, b, allPositions: true);
            var error = GreenGateway.Inference.Cuda.Tests.Checks.Naive.NormalizedError(b, a);
            var cc = cpu.CreateCache(prompt.Length + 40);
            var logits = new float[vocab];
            cpu.Forward(cc, prompt, logits);
            var next = TensorPrimitives.IndexOfMax(b.AsSpan((prompt.Length - 1) * vocab, vocab));
            var same = true;
            var greedy = (IGreedyDecoding)gpu;
            var one = new int[1];
            for (var i = 0; i < 32; i++)
            {
                var expected = TensorPrimitives.IndexOfMax(logits);
                same &= expected == next;
                cpu.Forward(cc, [expected], logits);
                greedy.ForwardGreedy(gc, [expected], one);
                next = one[0];
            }

            gc.ReleaseStorage();
            var ok = error <= bound && same;
            failures += ok ? 0 : 1;
            line(string.Create(CultureInfo.InvariantCulture, $"{(ok ? "ok  " : "FAIL")} '{text}': prefill logits error {error:0.0e+0}, 32 greedy tokens {(same ? "identical" : "DIFFER")}"));
            list.Add((JsonNode)new JsonObject { ["prompt"] = text, ["prefill_error"] = error, ["greedy_identical"] = same });
        }

        return list;
    }

    /// <summary>
    /// The counter's value right after it changes (NVML updates it about 10 times a second, so a window that starts and
    /// ends on a change is exact to the counter's own resolution instead of off by up to 100 ms of power).
    /// </summary>
    private static double Edge(NvmlEnergyCounter energy)
    {
        var v0 = energy.ReadJoules();
        var clock = Stopwatch.StartNew();
        double v;
        while ((v = energy.ReadJoules()) == v0 && clock.Elapsed.TotalSeconds < 0.5)
        {
        }

        return v;
    }

    private static string Probe(IlgpuDeviceKind kind) => IlgpuDevice.Probe(kind, out var reason) ? "available: " + reason : "unavailable: " + reason;

    internal static double CopyBandwidth(CudaDevice device)
    {
        const long bytes = 1L << 30;
        using var a = new DeviceBuffer(device, bytes);
        using var b = new DeviceBuffer(device, bytes);
        GreenGateway.Inference.Cuda.Native.Check.Cu(GreenGateway.Inference.Cuda.Native.NativeMethods.cuMemsetD32Async(a.Pointer, 0x3f8ccccd, (nuint)(bytes / 4), device.Stream));
        var times = new List<double>();
        for (var i = 0; i < 23; i++)
        {
            device.Synchronize();
            var clock = Stopwatch.StartNew();
            GreenGateway.Inference.Cuda.Native.Check.Cu(GreenGateway.Inference.Cuda.Native.NativeMethods.cuMemcpyDtoDAsync(b.Pointer, a.Pointer, (nuint)bytes, device.Stream));
            device.Synchronize();
            if (i >= 3)
            {
                times.Add(clock.Elapsed.TotalSeconds);
            }
        }

        times.Sort();
        return 2.0 * bytes / times[times.Count / 2];
    }
}
