using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Io;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Pipeline;

/// <summary>The export stage alone, fed nnU-Net's own fp16 logits and properties of the sample cases.</summary>
public class LogitsExportTests
{
    /// <summary>
    /// Probabilities from the same logits: the only difference is .NET's expf against torch's SLEEF expf (see
    /// ProbabilityWriter), about one float32 ulp of values at most 1, so 2^-22 leaves a factor of 4.
    /// </summary>
    private const float ProbabilityTolerance = 1f / (1 << 22);

    public static TheoryData<string, bool, string> Runs() => SampleRuns.All();

    [Theory]
    [MemberData(nameof(Runs))]
    public void ExportOfNnUNetsLogitsWritesNnUNetsSegmentationExactly(string configuration, bool tta, string caseId)
    {
        var folder = ModelFolder.Load(TestPaths.SampleModel(configuration));
        string intermediate = TestPaths.SampleIntermediate(configuration, caseId);
        string output = Path.Combine(TestPaths.NewTempFolder(), caseId + ".nii.gz");

        LogitsExport.Run(folder, Path.Combine(intermediate, $"logits_{SampleRuns.Mirroring(tta)}.npy"), Path.Combine(intermediate, "properties.json"), output, null);

        AssertSameContent(TestPaths.SampleReference(SampleRuns.Name(configuration, tta), caseId), output);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, ".*.tmp"));
    }

    [Fact]
    public void Float32LogitsAreRoundedToFloat16()
    {
        var folder = ModelFolder.Load(TestPaths.SampleModel("3d_fullres"));
        string intermediate = TestPaths.SampleIntermediate("3d_fullres", "case_003");
        NpyArray half = Npy.Read(Path.Combine(intermediate, "logits_tta.npy"));
        float[] widened = new float[half.ElementCount];
        System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(half.As<Half>(), widened);
        string folderPath = TestPaths.NewTempFolder();
        string logits = Path.Combine(folderPath, "logits_fp32.npy");
        Npy.Write<float>(logits, widened, half.Shape);
        string output = Path.Combine(folderPath, "case_003.nii.gz");

        LogitsExport.Run(folder, logits, Path.Combine(intermediate, "properties.json"), output, null);

        AssertSameContent(TestPaths.SampleReference("3d_fullres_tta", "case_003"), output);
    }

    [Fact]
    public void ProbabilitiesOfNnUNetsLogitsAreNnUNetsToAnUlp()
    {
        var folder = ModelFolder.Load(TestPaths.SampleModel("3d_fullres"));
        string intermediate = TestPaths.SampleIntermediate("3d_fullres", "case_003");
        string output = TestPaths.NewTempFolder();
        string npz = Path.Combine(output, "case_003.npz");

        LogitsExport.Run(folder, Path.Combine(intermediate, "logits_tta.npy"), Path.Combine(intermediate, "properties.json"), Path.Combine(output, "case_003.nii.gz"), npz);

        float worst = SampleRuns.MaxProbabilityDifference(npz, "3d_fullres_tta", "case_003", out _);
        Assert.True(worst <= ProbabilityTolerance, $"largest probability difference {worst:R}");
        Assert.True(File.Exists(Path.Combine(output, "case_003.json")));
    }

    [Fact]
    public void Tiff3DioKeepsItsSpacingFileAndTheProperties()
    {
        string modelFolder = ModelFixtures.CopySample("3d_fullres");
        ModelFixtures.EditJson(Path.Combine(modelFolder, "plans.json"), p => p["image_reader_writer"] = Tiff3DIO.ReaderName);
        ModelFixtures.EditJson(Path.Combine(modelFolder, "dataset.json"), d => d["file_ending"] = ".tif");
        var folder = ModelFolder.Load(modelFolder);
        string intermediate = TestPaths.SampleIntermediate("3d_fullres", "case_003");
        string propertiesPath = Path.Combine(intermediate, "properties.json");
        string output = TestPaths.NewTempFolder();

        LogitsExport.Run(folder, Path.Combine(intermediate, "logits_tta.npy"), propertiesPath, Path.Combine(output, "case_003.tif"), Path.Combine(output, "case_003.npz"));

        // nnU-Net's Tiff3DIO writes save_json({'spacing': properties['spacing']}) as case_003.json; the properties move aside.
        var properties = SegEngine.Preprocessing.PreprocessingProperties.ReadJsonFile(propertiesPath);
        Assert.Equal(TiffSpacingFile.Render(properties.Spacing), File.ReadAllText(Path.Combine(output, "case_003.json")));
        Assert.Equal(properties.Spacing, SegEngine.Preprocessing.PreprocessingProperties.ReadJsonFile(Path.Combine(output, "case_003.properties.json")).Spacing);
        Assert.True(File.Exists(Path.Combine(output, "case_003.npz")));
    }

    [Fact]
    public void WrongClassCountIsAnErrorNamingTheLogits()
    {
        string logits = WriteLogits<Half>(2, new Shape3(4, 5, 6));

        var error = ExportError("3d_fullres", "case_003", logits);

        Assert.Contains(logits, error.Message, StringComparison.Ordinal);
        Assert.Contains("2 channels", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 heads", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongDtypeIsAnErrorNamingTheLogits()
    {
        string logits = WriteLogits<double>(3, new Shape3(4, 5, 6));

        var error = ExportError("3d_fullres", "case_003", logits);

        Assert.Contains(logits, error.Message, StringComparison.Ordinal);
        Assert.Contains("Float64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThreeDimensionalLogitsAreAnError()
    {
        string logits = Path.Combine(TestPaths.NewTempFolder(), "logits.npy");
        Npy.Write<Half>(logits, new Half[60], [3, 4, 5]);

        var error = ExportError("3d_fullres", "case_003", logits);

        Assert.Contains("(3, 4, 5)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LogitsOfAnotherCaseAreAnErrorNamingBothFiles()
    {
        string logits = Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_000"), "logits_tta.npy");

        var error = ExportError("3d_fullres", "case_001", logits);

        Assert.Contains(logits, error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_001"), "properties.json"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PropertiesWithoutTheAffineAreAnErrorNamingFileAndKey()
    {
        string properties = Path.Combine(TestPaths.NewTempFolder(), "properties.json");
        File.Copy(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_003"), "properties.json"), properties);
        ModelFixtures.EditJson(properties, root => root.Remove("nibabel_stuff"));
        string output = Path.Combine(TestPaths.NewTempFolder(), "case_003.nii.gz");

        var error = Assert.Throws<SegEngineException>(() => LogitsExport.Run(
            ModelFolder.Load(TestPaths.SampleModel("3d_fullres")),
            Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_003"), "logits_tta.npy"),
            properties,
            output,
            null));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains(properties, error.Message, StringComparison.Ordinal);
        Assert.Contains("nibabel_stuff.original_affine", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ASimpleItkModelNeedsSitkStuff()
    {
        string model = ModelFixtures.CopySample("3d_fullres");
        GeometryFromPropertiesTests.UseReader(model, SimpleItkIO.ReaderName);
        string properties = Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_003"), "properties.json");

        var error = Assert.Throws<SegEngineException>(() => LogitsExport.Run(
            ModelFolder.Load(model),
            Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_003"), "logits_tta.npy"),
            properties,
            Path.Combine(TestPaths.NewTempFolder(), "case_003.nii.gz"),
            null));

        Assert.Contains(properties, error.Message, StringComparison.Ordinal);
        Assert.Contains("'sitk_stuff'", error.Message, StringComparison.Ordinal);
    }

    internal static string WriteLogits<T>(int classes, Shape3 shape)
        where T : unmanaged
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "logits.npy");
        Npy.Write<T>(path, new T[classes * shape.Voxels], [classes, shape.Z, shape.Y, shape.X]);
        return path;
    }

    private static SegEngineException ExportError(string configuration, string caseId, string logits)
    {
        string output = Path.Combine(TestPaths.NewTempFolder(), caseId + ".nii.gz");
        var error = Assert.Throws<SegEngineException>(() => LogitsExport.Run(
            ModelFolder.Load(TestPaths.SampleModel(configuration)),
            logits,
            Path.Combine(TestPaths.SampleIntermediate(configuration, caseId), "properties.json"),
            output,
            null));
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.False(File.Exists(output));
        return error;
    }

    private static void AssertSameContent(string expectedNiftiGz, string actualNiftiGz)
    {
        byte[] want = NiftiFixtures.Decompress(expectedNiftiGz);
        byte[] got = NiftiFixtures.Decompress(actualNiftiGz);
        int same = want.AsSpan().CommonPrefixLength(got);
        Assert.True(same == want.Length && got.Length == want.Length, $"{actualNiftiGz}: first difference at byte {same} (header is 0..352), lengths {want.Length} and {got.Length}");
    }
}
