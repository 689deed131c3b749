namespace GreenGateway.Deploy.Tests.Support;

/// <summary>Paths in the checkout the tests run from: the files under test are the committed ones, not copies.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "GreenGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("GreenGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
