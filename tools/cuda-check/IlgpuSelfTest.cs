using System.Numerics.Tensors;
using GreenGateway.Inference.Ilgpu.Model;
using GreenGateway.Inference.Ilgpu.Runtime;
using GreenGateway.Inference.Models;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>The draft model on an ILGPU accelerator: 8 greedy tokens after a short prompt, against the CPU engine.</summary>
internal static class IlgpuSelfTest
{
    public static int Run(string models, string accelerator, Action<string> line)
    {
        var kind = accelerator switch
        {
            "cuda" => IlgpuDeviceKind.Cuda,
            "opencl" => IlgpuDeviceKind.OpenCL,
            _ => IlgpuDeviceKind.Cpu,
        };
        using var cpu = ModelLoader.Load(Path.Combine(models, "draft"), new LoadOptions { Threads = 1 });
        using var gpu = IlgpuModel.FromCpuModel(cpu, new IlgpuOptions { Device = kind });
        line($"ILGPU self-test on {gpu.DeviceDescription}");
        int[] prompt = [1, 100, 200, 300];
        var logits = new float[cpu.Config.VocabSize];
        var cc = cpu.CreateCache(16);
        cpu.Forward(cc, prompt, logits);
        var gc = gpu.CreateCache(16);
        var next = new int[prompt.Length];
        gpu.ForwardGreedy(gc, prompt, next);
        var token = next[^1];
        var same = 0;
        for (var i = 0; i < 8; i++)
        {
            var expected = TensorPrimitives.IndexOfMax(logits);
            same += expected == token ? 1 : 0;
            cpu.Forward(cc, [expected], logits);
            token = gpu.DecodeGreedy(gc, expected);
        }

        line($"ILGPU self-test: {same} of 8 greedy tokens equal the CPU engine's");
        return same == 8 ? 0 : 1;
    }
}
