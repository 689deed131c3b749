namespace GreenGateway.Inference.Ilgpu.Tests;

/// <summary>Folders of the repository the tests run from (found by walking up to GreenGateway.sln).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shipped demo models (draft, target).</summary>
    public static string Models => Path.Combine(Root, "models");

    /// <summary>The small random-weight reference models of the CPU engine's tests (llama, mistral, qwen2, mistral-gguf).</summary>
    public static string ReferenceModel(string name) =>
        Path.Combine(Root, "tests", "GreenGateway.Inference.Tests", "TestData", "models", name);

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
