namespace PolarGrid.Testing;

/// <summary>The checkout the tests run from.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration the test binaries were built in, which the other projects share.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Contains("Release") ? "Release" : "Debug";

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PolarGrid.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException("Cannot find the repository root (PolarGrid.sln) above the test binaries.");
    }
}
