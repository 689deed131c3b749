namespace GreenGateway.Inference.Cuda.Tests;

/// <summary>Folders of the repository the tests run from (found by walking up to GreenGateway.sln).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Models => Path.Combine(Root, "models");

    public static string Kernels => Path.Combine(Root, "kernels");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("GreenGateway.sln was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>GPU tests skip, with the reason, where the machine has no CUDA driver or GPU (CI).</summary>
internal static class GpuMachine
{
    public static void Require()
    {
        var available = Runtime.CudaRuntime.Probe(out var reason);
        Assert.SkipUnless(available, $"needs an NVIDIA GPU and its driver: {reason}. Runs on the GPU machine (tools/cuda-check).");
    }

    public static string CacheDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "gg-cuda-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
