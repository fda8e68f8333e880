namespace SegEngine.Perf.Common;

/// <summary>Paths inside the repository the harness runs from, found by walking up to <c>Engine.sln</c>.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Where results go unless <c>--out</c> says otherwise: <c>perf/results</c>.</summary>
    public static string DefaultResults => Path.Combine(Root, "perf", "results");

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? folder = new(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "Engine.sln")))
                {
                    return folder.FullName;
                }
            }
        }

        throw new InvalidOperationException($"no Engine.sln above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}: run the harness from the repository");
    }
}
