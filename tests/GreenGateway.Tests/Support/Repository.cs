namespace GreenGateway.Tests.Support;

/// <summary>The clone the tests run from: its shipped policies and demo models.</summary>
internal static class Repository
{
    /// <summary>The folder of GreenGateway.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GreenGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (GreenGateway.sln) was not found above " + AppContext.BaseDirectory);
    }
}
