using System.Text.Json;

namespace SegEngine.Tests.Cli;

/// <summary>Runs the built <c>segengine</c> command in a child process, as users do, and checks its output and exit code.</summary>
public class InfoCommandTests
{
    private static (int ExitCode, string Stdout, string Stderr) RunSegEngine(params string[] args) => SegEngineProcess.Run(args);

    [Fact]
    public void InfoPrintsTheSampleModel()
    {
        (int exitCode, string stdout, string stderr) = RunSegEngine("info", "-m", TestPaths.SampleModel("3d_fullres"));

        Assert.True(exitCode == 0, stderr);
        string[] lines = stdout.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("configuration", StringComparison.Ordinal) && l.EndsWith("3d_fullres (3-D)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("patch size", StringComparison.Ordinal) && l.EndsWith("48 x 64 x 64", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("target spacing", StringComparison.Ordinal) && l.EndsWith("1 x 1 x 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("CTNormalization", StringComparison.Ordinal) && l.Contains("clip [84, 529]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("labels", StringComparison.Ordinal) && l.EndsWith("background=0, sphere=1, box=2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("mirroring axes", StringComparison.Ordinal) && l.EndsWith("(0, 1, 2)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("reader/writer", StringComparison.Ordinal) && l.EndsWith("NibabelIO: supported", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim().StartsWith("input", StringComparison.Ordinal) && l.EndsWith("input Float [batch, 1, 48, 64, 64]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim().StartsWith("output", StringComparison.Ordinal) && l.EndsWith("logits Float [batch, 3, 48, 64, 64]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("architecture", StringComparison.Ordinal) && l.EndsWith("ResidualEncoderUNet, 5 stages", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("onnx runtime", StringComparison.Ordinal) && l.Contains("1.32.0", StringComparison.Ordinal) && l.Contains("CPUExecutionProvider", StringComparison.Ordinal));
        Assert.Equal("", stderr);
    }

    [Fact]
    public void InfoJsonOnADatasetFolderWithConfiguration()
    {
        string datasetFolder = TestPaths.SampleDataset;
        (int exitCode, string stdout, string stderr) = RunSegEngine("info", "-m", datasetFolder, "-c", "2d", "-f", "0", "-chk", "checkpoint_final.pth", "--json");

        Assert.True(exitCode == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement root = json.RootElement;
        Assert.Equal("2d", root.GetProperty("configuration").GetString());
        Assert.Equal([96, 96], root.GetProperty("patch_size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([0, 1], root.GetProperty("mirroring_axes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(3, root.GetProperty("heads").GetInt32());
        Assert.True(root.GetProperty("folds")[0].GetProperty("dynamic_batch").GetBoolean());
    }

    [Fact]
    public void MissingFolderFailsWithAMessageAndNoStackTrace()
    {
        string missing = Path.Combine(TestPaths.NewTempFolder(), "no_such_model");
        (int exitCode, string stdout, string stderr) = RunSegEngine("info", "-m", missing);

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains(missing, stderr);
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void AmbiguousDatasetFolderListsTheChoices()
    {
        (int exitCode, _, string stderr) = RunSegEngine("info", "-m", TestPaths.SampleDataset);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("nnUNetTrainer__nnUNetResEncUNetMPlans__2d", stderr);
        Assert.Contains("nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres", stderr);
    }

    [Fact]
    public void InfoPrintsTheMemoryPlanForAnImageSize()
    {
        (int exitCode, string stdout, string stderr) = RunSegEngine(
            "info", "-m", TestPaths.SampleModel("3d_fullres"), "--plan-image", "300x512x512", "--plan-spacing", "1.5x0.7x0.7");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("memory plan for 300x512x512 at spacing 1.5 x 0.7 x 0.7:", stdout, StringComparison.Ordinal);
        string[] lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        string Line(string item) => lines.Single(l => l.StartsWith(item, StringComparison.Ordinal));

        // The image in the preprocessing column alone; the label map in the network stage's, the last column.
        Assert.Matches(@"^input image +300\.0 +$", Line("input image"));
        Assert.EndsWith(" 75.0", Line("label map"), StringComparison.Ordinal);
        Assert.Equal(Line("MiB ").Length, Line("label map").Length);
        Assert.Contains("total (larger stage)", stdout, StringComparison.Ordinal);
        Assert.Contains("batch size", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void InfoRefusesAPlanOverTheBudget()
    {
        (int exitCode, _, string stderr) = RunSegEngine(
            "info", "-m", TestPaths.SampleModel("3d_fullres"), "--plan-image", "300x512x512", "--memory-budget", "0.5");

        Assert.Equal(1, exitCode);
        Assert.Contains("the memory budget is 0.5 GB", stderr, StringComparison.Ordinal);
    }
}
