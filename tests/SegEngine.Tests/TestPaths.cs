namespace SegEngine.Tests;

/// <summary>Locates the repository's committed fixtures and sample model from the test binary's folder.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    private static readonly Lazy<string> ExpandedFixtures = new(() =>
    {
        string fixtures = Path.Combine(RepositoryRoot, "tests", "fixtures");
        CompressedFixtures.ExpandAll(fixtures);
        return fixtures;
    });

    public static string RepositoryRoot => Root.Value;

    /// <summary><c>tests/fixtures/</c>, with its compressed fixtures expanded (<see cref="CompressedFixtures"/>).</summary>
    public static string Fixtures => ExpandedFixtures.Value;

    /// <summary>nnU-Net's own inputs, intermediates and outputs for the sample model (a copy of <c>shared/sample</c>).</summary>
    public static string Sample => Path.Combine(Fixtures, "sample");

    /// <summary>
    /// The bundled sample model folder for a configuration (<c>3d_fullres</c> or <c>2d</c>), with its fold converted
    /// from the checkpoint to <c>fold_0/model.onnx</c> as the engine does on first use (<see cref="SampleModelConversion"/>).
    /// </summary>
    public static string SampleModel(string configuration) => SampleModelConversion.Converted(configuration);

    /// <summary><c>models/sample/</c>: the sample's dataset folder, one model folder per configuration, both converted.</summary>
    public static string SampleDataset
    {
        get
        {
            string folder = Path.GetDirectoryName(SampleModel("2d"))!;
            _ = SampleModel("3d_fullres");
            return folder;
        }
    }

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
