using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Inference;
using SegEngine.Tests.Io;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Pipeline;

/// <summary>
/// The sample model with its plans switched to torch resampling (the <c>*_torchres</c> and <c>*_torchres_sepz</c>
/// planners' functions), against nnU-Net's own predictor (fixtures from <c>tests/fixtures/sample_torchres/make_fixtures.py</c>).
/// case_001 is resampled without separate-z from an uncropped array (torch's channels-last kernel for the image);
/// case_004 is anisotropic (separate-z under the _sepz plans) and cropped (torch's strided NCDHW kernel).
/// </summary>
public class TorchResamplingEndToEndTests
{
    private static readonly InferenceOptions NoTta = new() { Device = InferenceDevice.Cpu, UseMirroring = false };

    private static string Fixtures => Path.Combine(TestPaths.Fixtures, "sample_torchres");

    public static TheoryData<string, string> Runs() => new()
    {
        { "torchres", "case_001" },
        { "torchres", "case_004" },
        { "torchres_sepz", "case_004" },
    };

    [Theory]
    [InlineData("torchres", "case_004")]
    [InlineData("torchres_sepz", "case_004")]
    public void ExportOfNnUNetsLogitsWritesNnUNetsSegmentationExactly(string variant, string caseId)
    {
        ModelFolder folder = ModelFolder.Load(Model(variant));
        string output = Path.Combine(TestPaths.NewTempFolder(), caseId + ".nii.gz");

        LogitsExport.Run(folder, Path.Combine(Fixtures, variant, caseId + "_logits.npy"), Path.Combine(Fixtures, variant, caseId + "_properties.json"), output, null);

        byte[] want = NiftiFixtures.Decompress(Path.Combine(Fixtures, variant, caseId + ".nii.gz"));
        byte[] got = NiftiFixtures.Decompress(output);
        int same = want.AsSpan().CommonPrefixLength(got);
        Assert.True(same == want.Length && got.Length == want.Length, $"{variant}/{caseId}: first difference at byte {same} (header is 0..352), lengths {want.Length} and {got.Length}");
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void PredictionAgreesWithNnUNet(string variant, string caseId)
    {
        string output = Path.Combine(TestPaths.NewTempFolder(), caseId + ".nii.gz");
        using (SegModel model = SegModel.Load(Model(variant), new SegModelOptions { Inference = NoTta }))
        {
            model.PredictFile([Input(caseId)], output);
        }

        byte[] want = NiftiFixtures.Decompress(Path.Combine(Fixtures, variant, caseId + ".nii.gz"));
        byte[] got = NiftiFixtures.Decompress(output);
        Assert.Equal(want.Length, got.Length);
        Assert.True(want.AsSpan(0, 352).SequenceEqual(got.AsSpan(0, 352)), $"{variant}/{caseId}: the headers differ");
        long same = 0;
        for (int i = 352; i < want.Length; i++)
        {
            same += want[i] == got[i] ? 1 : 0;
        }

        double agreement = (double)same / (want.Length - 352);
        Assert.True(agreement >= Tolerances.MinVoxelAgreement, $"{variant}/{caseId}: voxel agreement with nnU-Net's segmentation {agreement:P4}");
    }

    [Fact]
    public void TheTorchresPlansAreTheTorchFunctions()
    {
        ConfigurationPlan sepz = ModelFolder.Load(Model("torchres_sepz")).Configuration;
        Assert.All(sepz.AllResampling, spec => Assert.True(spec.IsTorch && spec.ForceSeparateZ is null && spec.Unsupported is null));
        ConfigurationPlan plain = ModelFolder.Load(Model("torchres")).Configuration;
        Assert.All(plain.AllResampling, spec => Assert.True(spec.IsTorch && spec.ForceSeparateZ == false));
    }

    [Fact]
    public void ProbabilitiesOfATorchResampledCaseAreRefusedNotApproximated()
    {
        ModelFolder folder = ModelFolder.Load(Model("torchres"));
        string output = TestPaths.NewTempFolder();

        var error = Assert.Throws<SegEngineException>(() => LogitsExport.Run(
            folder, Path.Combine(Fixtures, "torchres", "case_004_logits.npy"), Path.Combine(Fixtures, "torchres", "case_004_properties.json"),
            Path.Combine(output, "case_004.nii.gz"), Path.Combine(output, "case_004.npz")));

        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains("--save_probabilities", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output));
    }

    private static string Input(string caseId) =>
        caseId == "case_004" ? Path.Combine(Fixtures, "cases", "case_004_0000.nii.gz") : TestPaths.SampleCase(caseId);

    /// <summary>A copy of the sample 3d_fullres model (checkpoint and converted ONNX) with the variant's plans.</summary>
    private static string Model(string variant)
    {
        string folder = ModelFixtures.CopySample("3d_fullres");
        File.Copy(Path.Combine(Fixtures, $"plans_{variant}.json"), Path.Combine(folder, "plans.json"), overwrite: true);
        return folder;
    }
}
