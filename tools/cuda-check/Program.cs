using System.Globalization;
using GreenGateway.Inference.Cuda.Tests.Checks;
using GreenGateway.Tools.CudaCheck;

// cuda-check [--models DIR] [--out DIR] [--skip-checks] [--skip-bench] [--seconds S] [--splitk-warps N]
// (also --matvec-variants, --decode-variants, --gl-bench, --ilgpu-selftest: see each below)
// Runs every kernel check and the greedy equality checks (as the GPU tests do), then the decode benchmark.
var models = Arg("--models") ?? "models";
var output = Arg("--out") ?? ".";
var seconds = double.Parse(Arg("--seconds") ?? "2", CultureInfo.InvariantCulture);
var cache = Path.Combine(Path.GetTempPath(), "gg-cuda-check-modules");
Directory.CreateDirectory(output);
if (Arg("--splitk-warps") is { } splitWarps)
{
    // Split-K target of the f16 products (warps an SM; 0 = off), for A/B runs of the same binary.
    GreenGateway.Inference.Cuda.Model.DeviceMatrix.SplitTargetWarpsPerSm = int.Parse(splitWarps, CultureInfo.InvariantCulture);
}

var report = new StringWriter(CultureInfo.InvariantCulture);
var failed = 0;

void Line(string text)
{
    Console.WriteLine(text);
    report.WriteLine(text);
}

if (args.Contains("--ilgpu-selftest"))
{
    // The ILGPU backend on the accelerator named (cpu, cuda, opencl) against the CPU engine: checks that a trimmed
    // publish still compiles and runs the C# kernels.
    return IlgpuSelfTest.Run(models, Arg("--ilgpu-selftest") ?? "cpu", Line);
}

if (args.Contains("--matvec-variants"))
{
    // The f16 product with other rows a warp / loads in flight (kernel folders given), timed on 8B and 1B shapes.
    return MatVecVariants.Run(Arg("--matvec-variants") ?? "kernels", cache, Line) == 0 ? 0 : 1;
}

if (args.Contains("--decode-variants"))
{
    // The batch-1 decode step of the random 8B/1B shapes with each kernel folder and split-K target (DecodeVariants.cs).
    var code = DecodeVariants.Run(Arg("--decode-variants") ?? "embedded", Arg("--random") ?? "shapes", cache, Line, Set(Arg("--only")),
        args.Contains("--breakdown"));
    File.WriteAllText(Path.Combine(output, "decode-variants.md"), report.ToString());
    return code == 0 ? 0 : 1;
}

if (args.Contains("--load-check"))
{
    // The model host's CUDA load path on a checkpoint with a longer context than attention's shared memory (LoadCheck.cs).
    return LoadCheck.Run(Arg("--load-check") ?? models, Line);
}

if (args.Contains("--verify-rows"))
{
    // One pass over k drafted tokens on the random shapes with cuBLAS from 2, 5 and 9 rows (VerifyRows.cs).
    var code = VerifyRows.Run(Arg("--random") ?? "shapes", cache, Line, Set(Arg("--only")));
    File.WriteAllText(Path.Combine(output, "verify-rows.md"), report.ToString());
    return code;
}

if (args.Contains("--gl-bench"))
{
    // Issue 17's side-by-side run: ILGPU and NVRTC backends, demo models and the random 1B/8B shapes (GlBench.cs).
    // --only NAME,NAME (jobs: draft, target, llama-3.2-1b-shape, llama-3.1-8b-shape); --backends cuda-nvrtc,ilgpu-cuda.
    failed += GlBench.Run(models, Arg("--random"), output, seconds, cache, Line, Set(Arg("--only")), Set(Arg("--backends")));
    File.WriteAllText(Path.Combine(output, "gl-bench.md"), report.ToString());
    return failed == 0 ? 0 : 1;
}

if (!args.Contains("--skip-checks"))
{
    using (var kernels = new KernelChecks(cache))
    {
        Line($"# Kernel checks on {kernels.Device}");
        foreach (var r in kernels.RunAll())
        {
            Line(r.ToString());
            failed += r.Passed ? 0 : 1;
        }
    }

    foreach (var model in new[] { "draft", "target" })
    {
        Line($"# Greedy and logits checks: {model}");
        foreach (var r in GreedyChecks.Run(Path.Combine(models, model), cache))
        {
            Line(r.ToString());
            failed += r.Passed ? 0 : 1;
        }
    }

    Line($"checks failed: {failed}");
}

if (!args.Contains("--skip-bench"))
{
    Bench.Run(models, cache, seconds, Line);
    Products.Run(models, cache, Line);
}

File.WriteAllText(Path.Combine(output, "cuda-check.md"), report.ToString());
return failed == 0 ? 0 : 1;

static HashSet<string>? Set(string? list) => list?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
