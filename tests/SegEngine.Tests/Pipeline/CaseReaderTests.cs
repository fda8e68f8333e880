using System.Text.Json.Nodes;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Preprocessing;
using SegEngine.Tests.Model;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Pipeline;

/// <summary>The read and preprocess stages end to end, against nnU-Net's own preprocessed arrays of the sample cases.</summary>
public class CaseReaderTests
{
    public static TheoryData<string, string> SampleCases()
    {
        var cases = new TheoryData<string, string>();
        foreach (string configuration in SampleRuns.Configurations)
        {
            foreach (string caseId in SampleRuns.CaseIds)
            {
                cases.Add(configuration, caseId);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(SampleCases))]
    public void PreprocessingGivesNnUNetsBitsAndProperties(string configuration, string caseId)
    {
        var reader = new CaseReader(ModelFolder.Load(TestPaths.SampleModel(configuration)));

        using PreprocessedCase result = reader.Preprocess([TestPaths.SampleCase(caseId)]);

        string folder = TestPaths.SampleIntermediate(configuration, caseId);
        NpyArray expected = Npy.Read(Path.Combine(folder, "preprocessed.npy"));
        Assert.Equal(expected.Shape, new long[] { result.Data.Channels, result.Data.Shape.Z, result.Data.Shape.Y, result.Data.Shape.X });
        uint[] want = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(expected.As<float>()).ToArray();
        ReadOnlySpan<uint> got = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(result.Data.Span);
        int firstDifference = want.AsSpan().CommonPrefixLength(got);
        Assert.True(firstDifference == want.Length, $"first differing float32 at {firstDifference}");

        PreprocessingProperties reference = PreprocessingProperties.ReadJsonFile(Path.Combine(folder, "properties.json"));
        Assert.Equal(reference.ShapeBeforeCropping, result.Properties.ShapeBeforeCropping);
        Assert.Equal(reference.BboxUsedForCropping, result.Properties.BboxUsedForCropping);
        Assert.Equal(reference.ShapeAfterCroppingAndBeforeResampling, result.Properties.ShapeAfterCroppingAndBeforeResampling);
        Assert.Equal(reference.Spacing, result.Properties.Spacing);
        Assert.Equal(reference.OriginalAffine, result.Properties.OriginalAffine);
    }

    [Fact]
    public void ThePlansChooseTheReaderNotDatasetJsonsPlanningOverride()
    {
        string model = ModelFixtures.CopySample("3d_fullres");
        GeometryFromPropertiesTests.UseReader(model, "SimpleITKIO");
        Assert.Equal("NibabelIO", ModelFixtures.ReadJson(Path.Combine(model, "dataset.json"))["overwrite_image_reader_writer"]!.GetValue<string>());

        var reader = new CaseReader(ModelFolder.Load(model));

        Assert.Equal("SimpleITKIO", reader.ReaderWriter.Name);
    }

    [Fact]
    public void NaNInTheImageIsAnErrorNamingTheFile()
    {
        var folder = ModelFolder.Load(TestPaths.SampleModel("3d_fullres"));
        var preprocessor = new Preprocessor(folder.Plans, folder.Configuration, folder.Labels);
        var image = VolumeBuffer<float>.Allocate(1, new Shape3(4, 5, 6));
        image.Span.Fill(1f);
        image.Span[77] = float.NaN;

        var error = Assert.Throws<SegEngineException>(() => preprocessor.Run(image, [1.0, 1.0, 1.0], null, null, "scan_0000.nii.gz"));

        Assert.Equal(SegErrorCode.Numeric, error.Code);
        Assert.Contains("scan_0000.nii.gz", error.Message, StringComparison.Ordinal);
        Assert.Contains("voxel 77", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongChannelCountIsAnErrorNamingTheFile()
    {
        var reader = new CaseReader(ModelFolder.Load(TestPaths.SampleModel("3d_fullres")));
        string channel = TestPaths.SampleCase("case_003");

        var error = Assert.Throws<SegEngineException>(() => reader.ReadImage([channel, channel]));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains("case_003_0000.nii.gz", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 channel(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("trained on 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PreviousStageIsRefusedWithoutACascadeAndRequiredWithOne()
    {
        var plain = new CaseReader(ModelFolder.Load(TestPaths.SampleModel("3d_fullres")));
        string segmentation = TestPaths.SampleReference("3d_fullres_tta", "case_003");
        Assert.Throws<SegEngineException>(() => plain.Preprocess([TestPaths.SampleCase("case_003")], segmentation));

        var cascade = new CaseReader(CascadeModel());
        var error = Assert.Throws<SegEngineException>(() => cascade.Preprocess([TestPaths.SampleCase("case_003")]));
        Assert.Contains("3d_lowres", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// nnunet-parity.md §3.6: the previous stage's labels go through transpose, crop, <c>resize_segmentation</c> to the new
    /// shape and one-hot over the foreground labels, appended after the image. The image channel stays nnU-Net's.
    /// </summary>
    [Fact]
    public void CascadeAppendsTheResampledPreviousStageOneHot()
    {
        var reader = new CaseReader(CascadeModel());
        string segmentation = TestPaths.SampleReference("3d_fullres_tta", "case_001");

        using PreprocessedCase result = reader.Preprocess([TestPaths.SampleCase("case_001")], segmentation);

        NpyArray image = Npy.Read(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_001"), "preprocessed.npy"));
        Assert.Equal(3, result.Data.Channels);
        Assert.True(image.As<float>().SequenceEqual(result.Data.Channel(0)));

        using ImageVolume labels = new NibabelIO().Read([segmentation]);
        Shape3 shape = result.Data.Shape;
        int[] resized = NaiveResizeSegmentation(labels.Data.Span.ToArray(), labels.Data.Shape, shape);
        for (int label = 1; label <= 2; label++)
        {
            ReadOnlySpan<float> channel = result.Data.Channel(label);
            for (int i = 0; i < resized.Length; i++)
            {
                Assert.True(channel[i] == (resized[i] == label ? 1f : 0f), $"one-hot channel {label} voxel {i}");
            }
        }

        Assert.Contains(1f, result.Data.Channel(1).ToArray());
        Assert.Contains(1f, result.Data.Channel(2).ToArray());
    }

    /// <summary>batchgenerators' resize_segmentation, order 1: each label's mask resized, ≥ 0.5 wins, later labels overwrite.</summary>
    private static int[] NaiveResizeSegmentation(float[] labels, Shape3 from, Shape3 to)
    {
        var result = new int[to.Voxels];
        foreach (float label in labels.Distinct().Order())
        {
            float[] mask = labels.Select(v => v == label ? 1f : 0f).ToArray();
            double[] resized = NaiveResampling.Zoom(mask, from.ToArray(), to.ToArray(), 1);
            for (int i = 0; i < result.Length; i++)
            {
                if (resized[i] >= 0.5)
                {
                    result[i] = (int)label;
                }
            }
        }

        return result;
    }

    /// <summary>The sample's 3d_fullres plans relabelled as a cascade's second stage (no ONNX: only preprocessing runs).</summary>
    private static ModelFolder CascadeModel()
    {
        string model = ModelFixtures.CopySample("3d_fullres", ModelFixtures.SampleFolderPrefix + "3d_cascade_fullres");
        File.Delete(Path.Combine(model, "fold_0", "model.onnx"));
        ModelFixtures.EditJson(Path.Combine(model, "plans.json"), plans =>
        {
            JsonObject configurations = plans.Configurations();
            configurations["3d_lowres"] = new JsonObject { ["inherits_from"] = "3d_fullres", ["next_stage"] = "3d_cascade_fullres" };
            configurations["3d_cascade_fullres"] = new JsonObject { ["inherits_from"] = "3d_fullres", ["previous_stage"] = "3d_lowres" };
        });
        return ModelFolder.Load(model, new ModelFolderOptions { AllowIncompleteFolds = true });
    }
}
