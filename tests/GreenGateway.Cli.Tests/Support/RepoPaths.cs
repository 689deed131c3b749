namespace GreenGateway.Cli.Tests.Support;

/// <summary>Paths in the repository the tests run from (the folder holding GreenGateway.sln).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Draft => Path.Combine(Root, "models", "draft");

    public static string ShippedWorkload => Path.Combine(Root, "loadtests", "workloads", "cascade.jsonl");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("GreenGateway.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary folder, deleted with the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => System.IO.Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gg-cli-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => System.IO.Directory.Delete(Path, recursive: true);
}
