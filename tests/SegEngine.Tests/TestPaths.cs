namespace SegEngine.Tests;

/// <summary>Locates the repository's committed fixtures and sample model from the test binary's folder.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepositoryRoot => Root.Value;

    /// <summary><c>tests/fixtures/</c>.</summary>
    public static string Fixtures => Path.Combine(RepositoryRoot, "tests", "fixtures");

    /// <summary>nnU-Net's own inputs, intermediates and outputs for the sample model (a copy of <c>shared/sample</c>).</summary>
    public static string Sample => Path.Combine(Fixtures, "sample");

    /// <summary>The bundled sample model folder for a configuration (<c>3d_fullres</c> or <c>2d</c>).</summary>
    public static string SampleModel(string configuration) =>
        Path.Combine(RepositoryRoot, "models", "sample", $"nnUNetTrainer__nnUNetResEncUNetMPlans__{configuration}");

    public static string SampleCase(string caseId) => Path.Combine(Sample, "cases", $"{caseId}_0000.nii.gz");

    public static string SampleIntermediate(string configuration, string caseId) =>
        Path.Combine(Sample, "intermediate", configuration, caseId);

    public static string SampleReference(string run, string caseId) =>
        Path.Combine(Sample, "reference", run, $"{caseId}.nii.gz");

    /// <summary>A fresh empty folder under the system temp directory.</summary>
    public static string NewTempFolder()
    {
        string path = Path.Combine(Path.GetTempPath(), "segengine-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Engine.sln above {AppContext.BaseDirectory}");
    }
}
