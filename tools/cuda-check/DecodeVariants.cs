using System.Globalization;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>
/// cuda-check --decode-variants SPEC[,SPEC...] --random DIR [--only NAME,...] [--breakdown]: the batch-1 decode step
/// of the random Llama-3.1-8B / 3.2-1B shaped checkpoints (tools/cuda-bench/realistic_shapes.py) with each kernel
/// variant, on one upload of the weights. SPEC is DIR[:TARGET]: a kernel folder (a copy of kernels/ with other
/// defines; "embedded" for the built-in kernels) and the split-K target in warps an SM (default 48). For each: the
/// decode graph's time (replayed back to back, median of three runs of 60 replays, no host round trip), against
/// the bandwidth floor, whether 32 greedy steps give the first variant's tokens, and a 512-token prefill (median of
/// seven, the cache allocated beforehand). With --breakdown, each part's
/// time: the step's time less its time with that part left out (CudaModel.TimingSkip).
/// </summary>
internal static class DecodeVariants
{
    private static readonly (string Name, CudaModel.PassParts Part)[] Parts =
    [
        ("rope+attention", CudaModel.PassParts.Attention), ("q/k/v", CudaModel.PassParts.Qkv), ("o", CudaModel.PassParts.Output),
        ("gate+up", CudaModel.PassParts.GateUp), ("down", CudaModel.PassParts.Down), ("lm head", CudaModel.PassParts.Head),
    ];

    public static int Run(string specs, string random, string cache, Action<string> line, IReadOnlySet<string>? only, bool breakdown)
    {
        double bandwidth;
        using (var device = CudaDevice.Open())
        {
            bandwidth = GlBench.CopyBandwidth(device);
            line($"# Decode step variants on {device}; device-to-device copy {bandwidth / 1e9:0} GB/s");
        }

        var failures = 0;
        foreach (var shape in new[] { "llama-3.1-8b-shape", "llama-3.2-1b-shape" })
        {
            var dir = Path.Combine(random, shape);
            if ((only is not null && !only.Contains(shape)) || !Directory.Exists(dir))
            {
                continue;
            }

            using var cpu = ModelLoader.Load(dir, new LoadOptions { Threads = Environment.ProcessorCount });
            using var model = CudaModel.FromCpuModel(cpu, new CudaOptions { ModuleCacheDirectory = cache, MaxContextTokens = 1024 });
            var floor = bandwidth / model.WeightBytesPerToken;
            line("");
            line($"## {shape}: {model.WeightBytesPerToken / 1e6:0.0} MB of weights a token, floor {floor:0} tok/s ({1e6 / floor:0} us a token)");
            var header = "| variant | us a step | tok/s | of the floor | greedy tokens as the first | prefill 512, ms (tok/s) |";
            if (breakdown)
            {
                header += string.Concat(Parts.Select(static p => $" {p.Name} us |")) + " rest us |";
            }

            line(header);
            line("|---|---:|---:|---:|---:|---:|" + (breakdown ? string.Concat(Enumerable.Repeat("---:|", Parts.Length + 1)) : ""));
            int[]? reference = null;
            foreach (var spec in specs.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = spec.LastIndexOf(':');
                var folder = colon > 0 ? spec[..colon] : spec;
                var target = colon > 0 ? int.Parse(spec[(colon + 1)..], CultureInfo.InvariantCulture) : 48;
                try
                {
                    DeviceMatrix.SplitTargetWarpsPerSm = target;
                    model.ReloadKernels(folder == "embedded" ? null : folder);
                    var tokens = Greedy(model, 32);
                    reference ??= tokens;
                    var same = tokens.Zip(reference).TakeWhile(static p => p.First == p.Second).Count();
                    var us = StepMicroseconds(model);
                    var prefill = PrefillMilliseconds(model, 512);
                    var cells = string.Create(CultureInfo.InvariantCulture,
                        $"| {Path.GetFileName(folder.TrimEnd('/'))} target {target} | {us:0.0} | {1e6 / us:0.0} | {1e6 / us / floor:0.0%} | {same}/32 | {prefill:0.00} ({512e3 / prefill:0}) |");
                    if (breakdown)
                    {
                        var parts = 0.0;
                        foreach (var (_, part) in Parts)
                        {
                            CudaModel.TimingSkip = part;
                            model.DropGraph();
                            var without = StepMicroseconds(model);
                            parts += us - without;
                            cells += string.Create(CultureInfo.InvariantCulture, $" {us - without:0.0} |");
                        }

                        CudaModel.TimingSkip = CudaModel.PassParts.None;
                        model.DropGraph();
                        cells += string.Create(CultureInfo.InvariantCulture, $" {us - parts:0.0} |");
                    }

                    line(cells);
                }
                catch (Exception e)
                {
                    failures++;
                    CudaModel.TimingSkip = CudaModel.PassParts.None;
                    line($"| {spec} | FAIL {e.GetType().Name}: {e.Message} |");
                }
            }
        }

        DeviceMatrix.SplitTargetWarpsPerSm = 48;
        return failures;
    }

    /// <summary>An 8-token prompt, then <paramref name="steps"/> greedy decode steps (graph replays); the tokens chosen.</summary>
    private static int[] Greedy(CudaModel model, int steps)
    {
        var kv = model.CreateCache(8 + steps + 1);
        try
        {
            var next = new int[8];
            model.ForwardGreedy(kv, [1, 100, 200, 300, 400, 500, 600, 700], next);
            var tokens = new int[steps];
            var token = next[7];
            for (var i = 0; i < steps; i++)
            {
                token = tokens[i] = model.DecodeGreedy(kv, token);
            }

            return tokens;
        }
        finally
        {
            kv.ReleaseStorage();
        }
    }

    /// <summary>A prompt of <paramref name="length"/> tokens into one cache allocated beforehand: median of seven passes, ms.</summary>
    private static double PrefillMilliseconds(CudaModel model, int length)
    {
        var prompt = Enumerable.Range(0, length).Select(static i => 3 + (i * 7 % 5000)).ToArray();
        var kv = model.CreateCache(length);
        try
        {
            var logits = new float[model.Config.VocabSize];
            var times = new List<double>();
            for (var i = 0; i < 9; i++)
            {
                kv.Truncate(0);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                model.Forward(kv, prompt, logits);
                if (i >= 2)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            return times[times.Count / 2];
        }
        finally
        {
            kv.ReleaseStorage();
        }
    }

    /// <summary>The decode graph at position 100 of a sequence: median of three runs of 60 back-to-back replays.</summary>
    private static double StepMicroseconds(CudaModel model)
    {
        var kv = model.CreateCache(256);
        try
        {
            var next = new int[100];
            model.ForwardGreedy(kv, Enumerable.Range(0, 100).Select(static i => 3 + (i * 7 % 5000)).ToArray(), next);
            model.DecodeGraphMicroseconds(kv, 10);
            var runs = Enumerable.Range(0, 3).Select(_ => model.DecodeGraphMicroseconds(kv, 60)).Order().ToArray();
            return runs[1];
        }
        finally
        {
            kv.ReleaseStorage();
        }
    }
}
