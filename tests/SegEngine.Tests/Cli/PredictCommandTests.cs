namespace SegEngine.Tests.Cli;

/// <summary><c>segengine predict</c> over a folder in a child process: outputs, failures that spare the other cases, resume, flags.</summary>
public class PredictCommandTests
{
    private static readonly string Model = TestPaths.SampleModel("3d_fullres");

    [Fact]
    public void ContinuePredictionSkipsFinishedCasesAndNeedsTheNpzWhenAsked()
    {
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(input, "case_003_0000.nii.gz"));
        string[] flags = ["predict", "-i", input, "-o", output, "-m", Model, "--disable_tta", "-device", "cpu", "--continue_prediction"];

        (int first, _, string firstLog) = SegEngineProcess.Run(flags);
        (int second, _, string secondLog) = SegEngineProcess.Run(flags);
        (int third, _, string thirdLog) = SegEngineProcess.Run([.. flags, "--save_probabilities"]);

        Assert.True(first == 0, firstLog);
        Assert.Contains("1 predicted, 0 skipped", firstLog, StringComparison.Ordinal);
        Assert.DoesNotContain("in flight", firstLog, StringComparison.Ordinal);
        Assert.Matches(@"case_003: done, \d+\.\d\d s of work \(network \d+\.\d\d s\), waited \d+\.\d\d s", firstLog);
        Assert.True(second == 0, secondLog);
        Assert.Contains("0 predicted, 1 skipped", secondLog, StringComparison.Ordinal);
        Assert.True(third == 0, thirdLog);
        Assert.Contains("1 predicted, 0 skipped", thirdLog, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "case_003.npz")));
        Assert.True(File.Exists(Path.Combine(output, "case_003.json")));
    }

    [Theory]
    [InlineData("-step_size", "1.5")]
    [InlineData("-device", "tpu")]
    [InlineData("--threads", "-2")]
    [InlineData("--no-such-flag", "1")]
    public void BadFlagsAreUsageErrors(string flag, string value)
    {
        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", TestPaths.NewTempFolder(), "-o", TestPaths.NewTempFolder(), "-m", Model, flag, value);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingModelIsAnErrorNamingIt()
    {
        string missing = Path.Combine(TestPaths.NewTempFolder(), "no_model");

        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", TestPaths.NewTempFolder(), "-o", TestPaths.NewTempFolder(), "-m", missing);

        Assert.Equal(1, exitCode);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void PreprocessWritesTheNetworkInputAndProperties()
    {
        string output = TestPaths.NewTempFolder();

        (int exitCode, _, string stderr) = SegEngineProcess.Run("preprocess", "-i", TestPaths.SampleCase("case_001"), "-m", Model, "-o", output);

        Assert.True(exitCode == 0, stderr);
        SegEngine.Io.NpyArray ours = SegEngine.Io.Npy.Read(Path.Combine(output, "case_001.npy"));
        SegEngine.Io.NpyArray theirs = SegEngine.Io.Npy.Read(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_001"), "preprocessed.npy"));
        Assert.Equal(theirs.Shape, ours.Shape);
        Assert.True(theirs.As<float>().SequenceEqual(ours.As<float>()));
        var properties = SegEngine.Preprocessing.PreprocessingProperties.ReadJsonFile(Path.Combine(output, "case_001.json"));
        Assert.Equal(new Shape3(56, 110, 112), properties.ShapeAfterCroppingAndBeforeResampling);
    }
}
