using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Preprocessing;
using SegEngine.Preprocessing.Resampling;
using SegEngine.Resampling;
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

    /// <summary>
    /// --save_probabilities: torch.softmax of the float32 resampled logits, here against the naive twin (every class
    /// resampled by <see cref="TorchResampler"/>, then max, Σ exp(x − max) in class order, divide), bit for bit.
    /// </summary>
    [Theory]
    [InlineData("torchres")]
    [InlineData("torchres_sepz")]
    public void ProbabilitiesAreTheSoftmaxOfTorchsFloat32Values(string variant)
    {
        ModelFolder folder = ModelFolder.Load(Model(variant));
        string output = TestPaths.NewTempFolder();
        string logitsPath = Path.Combine(Fixtures, variant, "case_004_logits.npy");
        string propertiesPath = Path.Combine(Fixtures, variant, "case_004_properties.json");
        string npz = Path.Combine(output, "case_004.npz");

        LogitsExport.Run(folder, logitsPath, propertiesPath, Path.Combine(output, "case_004.nii.gz"), npz);

        NpyArray logits = Npy.Read(logitsPath);
        PreprocessingProperties properties = PreprocessingProperties.ReadJsonFile(propertiesPath);
        Shape3 input = new((int)logits.Shape[1], (int)logits.Shape[2], (int)logits.Shape[3]);
        Shape3 crop = properties.ShapeAfterCroppingAndBeforeResampling;
        double[] spacing = properties.TransposedSpacing(folder.Plans.TransposeForward);
        var plan = ResamplingPlan.Create(input, crop, folder.Configuration.Spacing, spacing, folder.Configuration.ResamplingProbabilities.ForceSeparateZ);
        int classes = (int)logits.Shape[0];
        var values = new float[classes][];
        for (int k = 0; k < classes; k++)
        {
            float[] channel = [.. logits.As<Half>().Slice((int)(k * input.Voxels), (int)input.Voxels).ToArray().Select(h => (float)h)];
            values[k] = new float[crop.Voxels];
            TorchResampler.ResampleData(channel, values[k], plan, TorchLayout.OfContiguous(classes, input, plan.LowResolutionAxis));
        }

        NpyArray written = Npy.ReadFromNpz(npz, "probabilities");
        Shape3 full = properties.ShapeBeforeCropping;
        ReadOnlySpan<float> probabilities = written.As<float>();
        BoundingBox box = properties.BboxUsedForCropping;
        for (int z = 0; z < full.Z; z++)
        {
            for (int y = 0; y < full.Y; y++)
            {
                for (int x = 0; x < full.X; x++)
                {
                    bool inside = z >= box.Z0 && z < box.Z1 && y >= box.Y0 && y < box.Y1 && x >= box.X0 && x < box.X1;
                    int voxel = inside ? ((((z - box.Z0) * crop.Y) + (y - box.Y0)) * crop.X) + (x - box.X0) : -1;
                    float max = float.NegativeInfinity, sum = 0f;
                    for (int k = 0; inside && k < classes; k++)
                    {
                        max = Math.Max(max, values[k][voxel]);
                    }

                    for (int k = 0; inside && k < classes; k++)
                    {
                        sum += MathF.Exp(values[k][voxel] - max);
                    }

                    for (int k = 0; k < classes; k++)
                    {
                        float expected = inside ? MathF.Exp(values[k][voxel] - max) / sum : k == 0 ? 1f : 0f;
                        float actual = probabilities[(int)((k * full.Voxels) + ((((long)z * full.Y) + y) * full.X) + x)];
                        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"{variant}: class {k} at ({z}, {y}, {x}) is {actual:R}, expected {expected:R}");
                    }
                }
            }
        }
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
