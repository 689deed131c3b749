using GreenGateway.Inference.Cuda.Backend;
using GreenGateway.Inference.Cuda.Model;
using GreenGateway.Inference.Kernels;
using GreenGateway.Inference.Models;

namespace GreenGateway.Tools.CudaCheck;

/// <summary>
/// cuda-check --load-check DIR: the model host's load path (InferenceBackend.Create on cuda, no MaxContextTokens) on a
/// checkpoint whose max_position_embeddings is more than attention's shared memory holds: the context it gets, a KV
/// cache of that whole capacity, and 16 greedy tokens against the CPU engine's.
/// </summary>
internal static class LoadCheck
{
    public static int Run(string dir, Action<string> line)
    {
        using var cpu = ModelLoader.Load(dir, new LoadOptions());
        using var model = (CudaModel)InferenceBackend.Create(dir, "cuda", new LoadOptions(), null, new CudaOptions());
        var fits = CudaModel.AttentionPositionsThatFit(cpu.Config.HeadDim, model.Device.MaxSharedBytesPerBlock);
        line($"# Load check: max_position_embeddings {cpu.Config.MaxPositionEmbeddings}, head_dim {cpu.Config.HeadDim}, " +
            $"{model.Device.MaxSharedBytesPerBlock} bytes of shared memory a block: CUDA context {model.MaxContextTokens} (fits {fits})");
        int[] prompt = [1, 100, 200, 300, 400];
        var gpuCache = model.CreateCache(model.MaxContextTokens);
        var next = new int[prompt.Length];
        model.ForwardGreedy(gpuCache, prompt, next);
        var gpu = new List<int> { next[^1] };
        while (gpu.Count < 16)
        {
            gpu.Add(model.DecodeGreedy(gpuCache, gpu[^1]));
        }

        gpuCache.ReleaseStorage();
        var cpuCache = cpu.CreateCache(prompt.Length + 16);
        var logits = new float[cpu.Config.VocabSize];
        cpu.Forward(cpuCache, prompt, logits);
        var reference = new List<int>();
        while (true)
        {
            reference.Add(Argmax(logits));
            if (reference.Count == 16)
            {
                break;
            }

            cpu.Forward(cpuCache, [reference[^1]], logits);
        }

        var same = gpu.Zip(reference).TakeWhile(static p => p.First == p.Second).Count();
        var ok = model.MaxContextTokens == Math.Min(cpu.Config.MaxPositionEmbeddings, fits) && same == 16;
        line($"{(ok ? "ok  " : "FAIL")} cache of {model.MaxContextTokens} positions made; greedy tokens equal to the CPU engine's: {same}/16");
        return ok ? 0 : 1;
    }

    private static int Argmax(ReadOnlySpan<float> v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }

        return best;
    }
}
