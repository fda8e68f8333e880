using SegEngine.Conversion;
using SegEngine.Conversion.Onnx;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Cli;

/// <summary><c>segengine convert</c>, <c>synth-model</c> and what <c>info</c> says about checkpoint-only folds, in a child process.</summary>
public class ConvertCommandTests
{
    [Fact]
    public void ConvertWritesTheFoldsModelOrTheNamedFile()
    {
        string folder = ModelFixtures.CopySample("2d");
        string named = Path.Combine(TestPaths.NewTempFolder(), "out.onnx");

        (int exitCode, string stdout, string stderr) = SegEngineProcess.Run("convert", "-m", folder, "-o", named);
        Assert.True(exitCode == 0, stderr);
        Assert.Contains($"fold_0: wrote {named} (", stdout, StringComparison.Ordinal);
        Assert.Equal("checkpoint_final.pth", OnnxModelHeader.Read(named).Metadata[OnnxMetadataKeys.Source]);

        File.WriteAllBytes(Path.Combine(folder, "fold_0", "model.onnx"), [0x0a, 0xff]);
        (exitCode, _, stderr) = SegEngineProcess.Run("convert", "-m", folder, "-f", "0");
        Assert.True(exitCode == 0, stderr);
        Assert.Equal("SegEngine", OnnxModelHeader.Read(Path.Combine(folder, "fold_0", "model.onnx")).ProducerName);
    }

    [Fact]
    public void OneOutputFileForSeveralFoldsIsAUsageError()
    {
        string folder = ModelFixtures.CopySample("2d");
        Directory.Move(Path.Combine(ModelFixtures.CopySample("2d"), "fold_0"), Path.Combine(folder, "fold_1"));

        (int exitCode, _, string stderr) = SegEngineProcess.Run("convert", "-m", folder, "-o", Path.Combine(TestPaths.NewTempFolder(), "x.onnx"));

        Assert.Equal(2, exitCode);
        Assert.Contains("fold_0, fold_1", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void InfoSaysWhichFoldsHaveOnlyACheckpoint()
    {
        string folder = ModelFixtures.CopySample("2d");
        File.Delete(Path.Combine(folder, "fold_0", "model.onnx"));

        (int exitCode, string stdout, string stderr) = SegEngineProcess.Run("info", "-m", folder);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("fold_0            checkpoint only: no ONNX (predict converts the checkpoint on first use)", stdout, StringComparison.Ordinal);
        (_, string json, _) = SegEngineProcess.Run("info", "-m", folder, "--json");
        Assert.Contains("\"contents\": \"checkpoint only\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void SynthModelWritesAFolderThatPredictRuns()
    {
        string model = Path.Combine(TestPaths.NewTempFolder(), "synthetic");
        string plans = Path.Combine(TestPaths.SampleModel("3d_fullres"), "plans.json");

        (int exitCode, string stdout, string stderr) = SegEngineProcess.Run("synth-model", "--plans", plans, "-c", "3d_fullres", "--classes", "4", "--seed", "3", "-o", model);
        Assert.True(exitCode == 0, stderr);
        Assert.Contains("ResidualEncoderUNet", stdout, StringComparison.Ordinal);

        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(input, "case_003_0000.nii.gz"));
        (exitCode, _, stderr) = SegEngineProcess.Run("predict", "-i", input, "-o", output, "-m", model, "--disable_tta", "-device", "cpu");
        Assert.True(exitCode == 0, stderr);
        Assert.True(File.Exists(Path.Combine(output, "case_003.nii.gz")));

        (exitCode, _, stderr) = SegEngineProcess.Run("synth-model", "--plans", plans, "-c", "3d_fullres", "--classes", "1", "-o", model);
        Assert.Equal(1, exitCode);
        Assert.Contains("--classes 1", stderr, StringComparison.Ordinal);
    }
}
