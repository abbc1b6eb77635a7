namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>Paths in the checkout, found from the test assembly so tests run from any working directory.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: whatever this test assembly was built as, so the apps match it.</summary>
    public static string Configuration { get; } = FindConfiguration();

    public static string AppDll(string app, string assembly) =>
        Path.Combine(Root, "functions", app, "bin", Configuration, "net10.0", assembly + ".dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ObjectStore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ObjectStore.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindConfiguration()
    {
        var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Debug";
    }
}
