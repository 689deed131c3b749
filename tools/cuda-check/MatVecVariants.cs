using System.Diagnostics;
using System.Globalization;
using GreenGateway.Inference.Cuda.Compilation;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Cuda.Tests.Checks;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>
/// cuda-check --matvec-variants DIR[:SPLIT][,DIR[:SPLIT]...]: the f16 batch-1 products of the Llama-3.1-8B and -3.2-1B
/// shapes, each kernel folder (a copy of kernels/ with other GG_ROWS / GG_UNROLL in matmul.cu) compiled and timed, with
/// SPLIT warps a row group (1, 2, 4, 8, or auto: DeviceMatrix.SplitsFor's choice; auto when left out) where the
/// folder's kernels take split-K (a "splits" parameter), and as before (block 128, no such parameter) where they
/// do not: microseconds a
/// call over 100 back-to-back calls after 10 warm-ups, cycling through copies of the matrix that together exceed the
/// L2 cache (so the weights come from memory, as in decode), and the outputs compared with the first folder's.
/// </summary>
internal static class MatVecVariants
{
    public static int Run(string folders, string cache, Action<string> line)
    {
        using var device = CudaDevice.Open();
        var variants = folders.Split(',', StringSplitOptions.RemoveEmptyEntries);
        (string Label, string Kernel, int Rows, int Cols, int Count)[] shapes =
        [
            ("8B qkv", "matvec_f16_norm", 6144, 4096, 32), ("8B o", "matvec_f16", 4096, 4096, 32),
            ("8B gate+up", "matvec_f16_norm", 28672, 4096, 32), ("8B down", "matvec_f16_swiglu", 4096, 14336, 32),
            ("8B lm head", "matvec_f16_norm", 128256, 4096, 1),
            ("1B qkv", "matvec_f16_norm", 3072, 2048, 16), ("1B o", "matvec_f16", 2048, 2048, 16),
            ("1B gate+up", "matvec_f16_norm", 16384, 2048, 16), ("1B down", "matvec_f16_swiglu", 2048, 8192, 16),
            ("1B lm head", "matvec_f16_norm", 128256, 2048, 1),
        ];
        line("# f16 product variants, batch 1 (us a call; GB/s of weights; error against the first variant)");
        line("| variant | " + string.Join(" | ", shapes.Select(static s => s.Label)) + " | 8B products ms/token | 1B products ms/token |");
        line("|---|" + string.Concat(shapes.Select(static _ => "---:|")) + "---:|---:|");
        var random = new Random(17);
        var matrices = shapes.Select(s =>
        {
            // A cheap hash of the index in [-0.02, 0.02) (a billion values from Random would take the run's time).
            var w = new float[s.Rows * s.Cols];
            for (var i = 0; i < w.Length; i++)
            {
                w[i] = ((((uint)i * 2654435761u) >> 16) & 0xff) / 6400f - 0.02f;
            }

            var copies = (int)Math.Max(2, Math.Ceiling(256e6 / (2.0 * s.Rows * s.Cols)));
            return Enumerable.Range(0, copies).Select(_ => DeviceMatrix.FromF32(device, w, s.Rows, s.Cols, CudaWeightFormat.F16)).ToArray();
        }).ToArray();
        var width = shapes.Max(static s => 2 * s.Cols);
        var x = new float[width];
        var normW = new float[width];
        for (var i = 0; i < width; i++)
        {
            x[i] = (float)(random.NextDouble() - 0.5) * 4;
            normW[i] = (float)(0.5 + random.NextDouble());
        }

        using var dx = new DeviceBuffer(device, width * sizeof(float));
        dx.Upload<float>(x);
        using var dw = new DeviceBuffer(device, width * sizeof(float));
        dw.Upload<float>(normW);
        using var y = new DeviceBuffer(device, 128256L * sizeof(float));
        float[][]? reference = null;
        var failures = 0;
        foreach (var variant in variants)
        {
            var colon = variant.LastIndexOf(':');
            var dir = colon > 0 ? variant[..colon] : variant;
            var splitSpec = colon > 0 ? variant[(colon + 1)..] : "auto";
            var source = File.ReadAllText(Path.Combine(dir, "matmul.cu"));
            using var kernels = new KernelLibrary(device, cache, dir);
            var rowsPerWarp = kernels.F16RowsPerGroup;
            var splitK = source.Contains("int splits)", StringComparison.Ordinal);
            var cells = new List<string>();
            var outputs = new float[shapes.Length][];
            var chosen = new List<int>();
            double ms8 = 0, ms1 = 0;
            for (var s = 0; s < shapes.Length; s++)
            {
                var (label, kernel, rows, cols, count) = shapes[s];
                var f = kernels[kernel];
                var split = !splitK ? 1
                    : splitSpec == "auto" ? DeviceMatrix.SplitsFor(rows, device.Multiprocessors, DeviceMatrix.SplitTargetWarpsPerSm, rowsPerWarp)
                    : int.Parse(splitSpec, CultureInfo.InvariantCulture);
                chosen.Add(split);
                var threads = (uint)Math.Max(128, 32 * split);
                var rowsPerBlock = rowsPerWarp * (int)(threads / 32) / split;
                var blocks = (uint)((rows + rowsPerBlock - 1) / rowsPerBlock);
                var copies = matrices[s];
                var next = 0;
                void Call()
                {
                    var m = copies[next++ % copies.Length];
                    if (!splitK && kernel == "matvec_f16_norm")
                    {
                        f.Launch(blocks, 1, threads, 0, m.Data, dx, dw, 1e-5f, y, rows, cols, 1, rows, 0);
                    }
                    else if (!splitK)
                    {
                        f.Launch(blocks, 1, threads, 0, m.Data, dx, y, rows, cols, 1, rows, 0);
                    }
                    else if (kernel == "matvec_f16_norm")
                    {
                        f.Launch(blocks, 1, threads, 0, m.Data, dx, dw, 1e-5f, y, rows, cols, 1, rows, 0, split);
                    }
                    else
                    {
                        f.Launch(blocks, 1, threads, 0, m.Data, dx, y, rows, cols, 1, rows, 0, split);
                    }
                }

                for (var i = 0; i < 10; i++)
                {
                    Call();
                }

                device.Synchronize();
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < 100; i++)
                {
                    Call();
                }

                device.Synchronize();
                var us = clock.Elapsed.TotalMicroseconds / 100;
                outputs[s] = new float[rows];
                y.Download<float>(outputs[s]);
                var error = reference is null ? 0 : Naive.NormalizedError(outputs[s], reference[s]);
                failures += error <= 1e-5 ? 0 : 1;
                cells.Add(string.Create(CultureInfo.InvariantCulture, $"{us:0.0} us, {2.0 * rows * cols / us / 1e3:0} GB/s{(reference is null ? "" : $", {error:0.0e+0}")}"));
                if (label.StartsWith("8B", StringComparison.Ordinal))
                {
                    ms8 += us * count / 1000;
                }
                else
                {
                    ms1 += us * count / 1000;
                }
            }

            reference ??= outputs;
            var name = Path.GetFileName(dir.TrimEnd('/')) + (splitK ? $" split {splitSpec} ({string.Join("/", chosen)})" : "");
            line(string.Create(CultureInfo.InvariantCulture, $"| {name} | {string.Join(" | ", cells)} | {ms8:0.00} | {ms1:0.00} |"));
        }

        foreach (var m in matrices.SelectMany(static c => c))
        {
            m.Dispose();
        }

        return failures;
    }
}
