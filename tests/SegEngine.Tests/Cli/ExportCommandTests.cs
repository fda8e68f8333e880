using SegEngine.Tests.Io;
using SegEngine.Tests.Model;
using SegEngine.Tests.Pipeline;

namespace SegEngine.Tests.Cli;

/// <summary><c>segengine export</c> in a child process: nnU-Net's logits to nnU-Net's segmentation, and bad inputs named.</summary>
public class ExportCommandTests
{
    private static readonly string Model = TestPaths.SampleModel("3d_fullres");

    private static readonly string Intermediate = TestPaths.SampleIntermediate("3d_fullres", "case_001");

    [Fact]
    public void ExportOfNnUNetsLogitsIsNnUNetsSegmentation()
    {
        string output = Path.Combine(TestPaths.NewTempFolder(), "nested", "case_001.nii.gz");

        (int exitCode, _, string stderr) = SegEngineProcess.Run(
            "export", "--logits", Path.Combine(Intermediate, "logits_tta.npy"), "--properties", Path.Combine(Intermediate, "properties.json"),
            "-m", Model, "-o", output, "--save_probabilities");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(NiftiFixtures.Decompress(TestPaths.SampleReference("3d_fullres_tta", "case_001")), NiftiFixtures.Decompress(output));
        string folder = Path.GetDirectoryName(output)!;
        Assert.True(File.Exists(Path.Combine(folder, "case_001.npz")));
        Assert.True(File.Exists(Path.Combine(folder, "case_001.json")));
        Assert.Empty(Directory.GetFiles(folder, ".*.tmp"));
    }

    [Theory]
    [InlineData("classes", "logits")]
    [InlineData("dtype", "logits")]
    [InlineData("missing key", "properties")]
    public void BadInputsExitWithOneAndNameTheFile(string problem, string namedFile)
    {
        string logits = Path.Combine(Intermediate, "logits_tta.npy");
        string properties = Path.Combine(Intermediate, "properties.json");
        switch (problem)
        {
            case "classes":
                logits = LogitsExportTests.WriteLogits<Half>(2, new Shape3(4, 5, 6));
                break;
            case "dtype":
                logits = LogitsExportTests.WriteLogits<int>(3, new Shape3(4, 5, 6));
                break;
            default:
                properties = Path.Combine(TestPaths.NewTempFolder(), "properties.json");
                File.Copy(Path.Combine(Intermediate, "properties.json"), properties);
                ModelFixtures.EditJson(properties, root => root.Remove("shape_before_cropping"));
                break;
        }

        string output = Path.Combine(TestPaths.NewTempFolder(), "case_001.nii.gz");

        (int exitCode, _, string stderr) = SegEngineProcess.Run("export", "--logits", logits, "--properties", properties, "-m", Model, "-o", output);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(namedFile == "logits" ? logits : properties, stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void MissingLogitsFlagIsAUsageError()
    {
        (int exitCode, _, string stderr) = SegEngineProcess.Run(
            "export", "--properties", Path.Combine(Intermediate, "properties.json"), "-m", Model, "-o", Path.Combine(TestPaths.NewTempFolder(), "x.nii.gz"));

        Assert.Equal(2, exitCode);
        Assert.Contains("--logits", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportNeedsNoOnnx()
    {
        string model = ModelFixtures.CopySample("3d_fullres");
        File.Delete(Path.Combine(model, "fold_0", "model.onnx"));
        string output = Path.Combine(TestPaths.NewTempFolder(), "case_001.nii.gz");

        (int exitCode, _, string stderr) = SegEngineProcess.Run(
            "export", "--logits", Path.Combine(Intermediate, "logits_notta.npy"), "--properties", Path.Combine(Intermediate, "properties.json"), "-m", model, "-o", output);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(NiftiFixtures.Decompress(TestPaths.SampleReference("3d_fullres_notta", "case_001")), NiftiFixtures.Decompress(output));
    }
}
