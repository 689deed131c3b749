using System.Globalization;
using GreenGateway.Inference.Cuda.Energy;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>
/// cuda-check --verify-rows --random DIR [--only NAME,...]: the cost of one pass over k drafted tokens (k = 1-5, 8,
/// after a 64-token context, argmax of every position; GlBench.Verify) on the random 8B / 1B shapes, with cuBLAS from
/// 2 rows (the large-model default), from 5 (the own kernels up to 4 rows, which read the weights once per 4 rows) and
/// from 9, on one upload: the measurement behind CudaOptions.LargeModelCublasMinRows.
/// </summary>
internal static class VerifyRows
{
    public static int Run(string random, string cache, Action<string> line, IReadOnlySet<string>? only)
    {
        NvmlEnergyCounter energy;
        using (var device = CudaDevice.Open())
        {
            line($"# Verification passes by cuBLAS threshold on {device}");
            energy = NvmlEnergyCounter.Open(device.PciBusId);
        }

        int[] thresholds = [2, 5, 9];
        int[] ks = [1, 2, 3, 4, 5, 8];
        foreach (var shape in new[] { "llama-3.1-8b-shape", "llama-3.2-1b-shape" })
        {
            var dir = Path.Combine(random, shape);
            if ((only is not null && !only.Contains(shape)) || !Directory.Exists(dir))
            {
                continue;
            }

            using var cpu = ModelLoader.Load(dir, new LoadOptions { Threads = Environment.ProcessorCount });
            using var model = CudaModel.FromCpuModel(cpu, new CudaOptions { ModuleCacheDirectory = cache, MaxContextTokens = 1024 });
            line("");
            line($"## {shape} (ms / J a pass)");
            line("| k | " + string.Join(" | ", thresholds.Select(static t => $"cuBLAS from {t} rows")) + " |");
            line("|---:|" + string.Concat(thresholds.Select(static _ => "---:|")));
            foreach (var k in ks)
            {
                var cells = new List<string>();
                foreach (var threshold in thresholds)
                {
                    model.CublasMinRows = threshold;
                    var r = GlBench.Verify(model, energy, k, 0.4);
                    cells.Add(string.Create(CultureInfo.InvariantCulture, $"{r["ms"]!.GetValue<double>():0.000} / {r["joules"]!.GetValue<double>():0.000}"));
                }

                line($"| {k} | {string.Join(" | ", cells)} |");
            }
        }

        return 0;
    }
}
