using System.Diagnostics;
using System.Globalization;
using GreenGateway.Inference.Cuda.Compilation;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Cuda.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>
/// The own f16 product kernel (matvec_f16) against cuBLAS (cublasGemmEx, f16 x f16 -> f32, compute 32F) on the demo
/// models' matrix shapes, for one activation row (decode) and 64 (a prefill chunk): microseconds a call, from 200
/// back-to-back calls on the stream after 20 warm-ups. cuBLAS is given its activations in f16 (its mixed
/// f16 x f32 case does not exist); the own kernel reads them in f32.
/// </summary>
internal static class Products
{
    public static void Run(string models, string cache, Action<string> line)
    {
        using var device = CudaDevice.Open();
        using var kernels = new KernelLibrary(device, cache);
        using var cublas = new CublasHandle(device);
        line("");
        line("# Products: own matvec_f16 vs cuBLAS GemmEx (us a call, 200 back-to-back calls)");
        line("| model | matrix | rows x cols | n | own us | cuBLAS us | own / cuBLAS |");
        line("|---|---|---|---:|---:|---:|---:|");
        foreach (var name in new[] { "draft", "target" })
        {
            var c = ModelConfig.FromJson(File.ReadAllText(Path.Combine(models, name, "config.json"))).Validated();
            (string, int, int)[] shapes =
            [
                ("qkv", c.QDim + 2 * c.KvDim, c.HiddenSize), ("o", c.HiddenSize, c.QDim), ("gate+up", 2 * c.IntermediateSize, c.HiddenSize),
                ("down", c.HiddenSize, c.IntermediateSize), ("lm head", c.VocabSize, c.HiddenSize),
            ];
            foreach (var (label, rows, cols) in shapes)
            {
                foreach (var n in new[] { 1, 64 })
                {
                    var (own, blas) = Time(device, kernels, cublas, rows, cols, n);
                    line(string.Create(CultureInfo.InvariantCulture, $"| {name} | {label} | {rows} x {cols} | {n} | {own:0.0} | {blas:0.0} | {own / blas:0.00} |"));
                }
            }
        }
    }

    private static (double Own, double Cublas) Time(CudaDevice device, KernelLibrary kernels, CublasHandle cublas, int rows, int cols, int n)
    {
        var random = new Random(rows * 31 + cols);
        var w = new float[rows * cols];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)(random.NextDouble() - 0.5);
        }

        using var m = DeviceMatrix.FromF32(device, w, rows, cols, CudaWeightFormat.F16);
        var x = new float[n * cols];
        var xh = new Half[n * cols];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() - 0.5);
            xh[i] = (Half)x[i];
        }

        using var dx = new DeviceBuffer(device, x.Length * sizeof(float));
        dx.Upload<float>(x);
        using var dxh = new DeviceBuffer(device, xh.Length * 2);
        dxh.Upload<Half>(xh);
        using var y = new DeviceBuffer(device, (long)n * rows * sizeof(float));
        var own = Measure(device, () => m.Multiply(kernels, dx.Pointer, n, y.Pointer, rows, accumulate: false));
        var blas = Measure(device, () => cublas.GemmF16(m.Data.Pointer, rows, cols, dxh.Pointer, n, y.Pointer, rows));
        return (own, blas);
    }

    private static double Measure(CudaDevice device, Action call)
    {
        for (var i = 0; i < 20; i++)
        {
            call();
        }

        device.Synchronize();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            call();
        }

        device.Synchronize();
        return clock.Elapsed.TotalMicroseconds / 200;
    }
}
