using System.Text.Json.Nodes;
using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using SegEngine.Tests.Cli;

namespace SegEngine.Tests.Faults;

/// <summary>
/// Hostile options and model folders, and names that do not fit the pattern: refused with the file and key (or the
/// folder and what it holds) named, in one line, before any case is read.
/// </summary>
public class ModelAndOptionFaultTests
{
    [Fact]
    public async Task AnAbsurdStepSizeRefusesTheCasesLargerThanThePatchByTheirTileCount()
    {
        using SegModel model = SegModel.Load(
            TestPaths.SampleModel("3d_fullres"),
            new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = false, StepSize = 1e-9 } });
        var batch = new FaultBatch();
        File.Copy(TestPaths.SampleCase("case_000"), batch.CaseFile("large"));

        // The good case is smaller than the patch: one tile, whatever the step.
        BatchResult result = await batch.RunAsync(model, expectedFailures: 1);

        Assert.Matches(@"step size 1E-09 over the image \d+x\d+x\d+ with patch 48x64x64 gives more than 9.2e18 tiles; at most 1000000", FaultBatch.ErrorOf(result, "large"));
    }

    [Fact]
    public void TheTileCountIsCheckedBeforeAnyOffsetIsAllocated()
    {
        var error = Assert.Throws<SegEngineException>(() => SlidingWindowGrid.Create(new Shape3(30000, 30000, 30000), [48, 64, 64], 1e-300));

        Assert.Contains("more than 9.2e18 tiles", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spacing", "[1e300, 1, 1]", "spacings (one per patch axis) from 1e-6 to 1e6 mm")]
    [InlineData("spacing", "[1e-30, 1, 1]", "spacings (one per patch axis) from 1e-6 to 1e6 mm")]
    [InlineData("patch_size", "[48, 64, 1000000]", "sizes from 1 to 4096")]
    [InlineData("patch_size", null, "has no key 'patch_size'")]
    [InlineData("spacing", null, "has no key 'spacing'")]
    public void ABrokenPlansFileIsRefusedAtLoadNamingTheFileAndKey(string key, string? value, string problem)
    {
        string folder = CopySampleModel();
        string plansFile = Path.Combine(folder, "plans.json");
        var plans = JsonNode.Parse(File.ReadAllText(plansFile))!;
        JsonObject configuration = plans["configurations"]!["3d_fullres"]!.AsObject();
        if (value is null)
        {
            configuration.Remove(key);
        }
        else
        {
            configuration[key] = JsonNode.Parse(value);
        }

        File.WriteAllText(plansFile, plans.ToJsonString());

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(folder));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(plansFile, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void TheCliRefusesABrokenModelFolderWithOneLineNamingThePlans()
    {
        string folder = CopySampleModel();
        string plansFile = Path.Combine(folder, "plans.json");
        File.WriteAllText(plansFile, File.ReadAllText(plansFile).Replace("\"spacing\": [", "\"spacing\": [1e300, ", StringComparison.Ordinal));
        var batch = new FaultBatch();

        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", batch.Input, "-o", batch.Output, "-m", folder, "-device", "cpu");

        Assert.Equal(1, exitCode);
        Assert.Contains($"error: {plansFile}: ", stderr, StringComparison.Ordinal);
        Assert.Contains("spacing", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFolderWithNoCaseByThePatternSaysWhatItHoldsAndWhatThePatternNeeds()
    {
        string input = TestPaths.NewTempFolder();
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(input, "case_00000.nii.gz"));
        using SegModel model = SegModel.Load(TestPaths.SampleModel("3d_fullres"), new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu } });

        var error = await Assert.ThrowsAsync<SegEngineException>(
            () => BatchPrediction.RunAsync(model, new BatchRequest(input, TestPaths.NewTempFolder()), new SilentBatchObserver()));

        Assert.Contains($"{input}: no files named {{case}}_XXXX.nii.gz (XXXX: exactly 4 digits, the channel); found case_00000.nii.gz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACaseIdAsLongAsAFileNameAllowsFailsAloneNamingItsFile()
    {
        using SegModel model = SegModel.Load(
            TestPaths.SampleModel("3d_fullres"), new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = false } });
        var batch = new FaultBatch();
        File.Copy(TestPaths.SampleCase("case_003"), batch.CaseFile(new string('x', 255 - "_0000.nii.gz".Length)));

        // The output's temporary name may or may not fit beside it; either way the good case is written and a failure names the file.
        await batch.RunAsync(model, expectedFailures: null);
    }

    /// <summary>A copy of the sample model's metadata and fold_0 (ONNX and checkpoint), for breaking.</summary>
    private static string CopySampleModel()
    {
        string source = TestPaths.SampleModel("3d_fullres");
        string folder = Path.Combine(TestPaths.NewTempFolder(), Path.GetFileName(source));
        Directory.CreateDirectory(Path.Combine(folder, "fold_0"));
        foreach (string name in new[] { "dataset.json", "plans.json" })
        {
            File.Copy(Path.Combine(source, name), Path.Combine(folder, name));
        }

        foreach (string file in Directory.GetFiles(Path.Combine(source, "fold_0")))
        {
            File.Copy(file, Path.Combine(folder, "fold_0", Path.GetFileName(file)));
        }

        return folder;
    }
}
