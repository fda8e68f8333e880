using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Preprocessing;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Io;

/// <summary>
/// Whole predictions through the NibabelIOWithReorient, Tiff3DIO and NaturalImage2DIO paths against nnU-Net 2.8.1's own
/// predictor on the sample model with its reader and file ending changed (tests/fixtures/e2e17/make_e2e17.sh, without
/// mirroring): geometry identical, at least 99.99 % of the voxels equal (only the network may differ).
/// </summary>
public sealed class ReaderEndToEndTests
{
    private const int NiftiHeaderBytes = 352;
    private const int QuaternStart = 256;
    private const int QuaternEnd = 328;

    private static readonly string Root = Path.Combine(TestPaths.Fixtures, "e2e17");

    public static TheoryData<string, string> Cases() => new()
    {
        { "reorient", "case_003" },
        { "reorient", "case_103" },
        { "tiff", "case_003" },
        { "tiff", "case_001" },
        { "png", "case_000" },
        { "png", "case_001" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PredictionMatchesNnunetsOwn(string path, string caseId)
    {
        (string configuration, string reader, string ending) = path switch
        {
            "reorient" => ("3d_fullres", NibabelIOWithReorient.ReaderName, ".nii.gz"),
            "tiff" => ("3d_fullres", Tiff3DIO.ReaderName, ".tif"),
            _ => ("2d", NaturalImage2DIO.ReaderName, ".png"),
        };
        string modelFolder = ModelFixtures.CopySample(configuration);
        ModelFixtures.EditJson(Path.Combine(modelFolder, "plans.json"), p => p["image_reader_writer"] = reader);
        ModelFixtures.EditJson(Path.Combine(modelFolder, "dataset.json"), d => d["file_ending"] = ending);
        using SegModel model = SegModel.Load(
            modelFolder, new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = false } });
        string output = Path.Combine(TestPaths.NewTempFolder(), caseId + ending);

        // Tiff3DIO runs with --save_probabilities: its spacing file and the properties must not take each other's name.
        string? probabilities = path == "tiff" ? Path.ChangeExtension(output, ".npz") : null;
        model.PredictFile([Path.Combine(Root, "inputs", path, caseId + "_0000" + ending)], output, probabilities);

        string reference = Path.Combine(Root, "reference", path, caseId + ending);
        if (path == "reorient")
        {
            CompareNifti(reference, output);
            return;
        }

        IImageReaderWriter io = ImageReaderWriters.Create(reader);
        using ImageVolume theirs = io.Read([reference]);
        using ImageVolume ours = io.Read([output]);
        Assert.Equal(theirs.Data.Shape, ours.Data.Shape);
        Assert.Equal(theirs.Data.Channels, ours.Data.Channels);
        AssertNearlyAllEqual(theirs.Data.Span.ToArray(), ours.Data.Span.ToArray());
        if (path == "tiff")
        {
            Assert.Equal(File.ReadAllBytes(Path.ChangeExtension(reference, ".json")), File.ReadAllBytes(Path.ChangeExtension(output, ".json")));
            PreprocessingProperties properties = PreprocessingProperties.ReadJsonFile(Path.ChangeExtension(output, ".properties.json"));
            Assert.Equal(TiffSpacingFile.Read(Path.Combine(Root, "inputs", path, caseId + ".json")).Spacing, properties.Spacing);
            Assert.Equal(
                [model.Folder.Labels.HeadCount, ours.Data.Shape.Z, ours.Data.Shape.Y, ours.Data.Shape.X],
                Npy.ReadFromNpz(probabilities!, "probabilities").Shape);
        }
        else
        {
            Assert.Equal(File.ReadAllBytes(reference)[16..26], File.ReadAllBytes(output)[16..26]);
        }
    }

    /// <summary>
    /// In memory the array is taken as NibabelIOWithReorient returns it (reoriented to RAS, with its RAS affine), as
    /// nnU-Net's <c>predict_single_npy_array</c> takes what the reader returned: the labels are the file path's before the
    /// writer turns them back; the file's own (P, S, L) affine is refused, not reinterpreted.
    /// </summary>
    [Fact]
    public void InMemoryReorientedImageGivesTheFilesLabels()
    {
        string modelFolder = ModelFixtures.CopySample("3d_fullres");
        ModelFixtures.EditJson(Path.Combine(modelFolder, "plans.json"), p => p["image_reader_writer"] = NibabelIOWithReorient.ReaderName);
        using SegModel model = SegModel.Load(
            modelFolder, new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = false } });
        string input = Path.Combine(Root, "inputs", "reorient", "case_103_0000.nii.gz");
        string output = Path.Combine(TestPaths.NewTempFolder(), "case_103.nii.gz");
        model.PredictFile([input], output);
        using ImageVolume image = model.ReadImage([input]);

        using LabelMap labels = model.PredictVoxels(
            image.Data.Span, image.Data.Channels, image.Data.Shape, image.Spacing, image.Geometry.ReorientedAffine, progress: null, CancellationToken.None);

        using ImageVolume written = new NibabelIOWithReorient().Read([output]);
        Assert.Equal(written.Data.Shape, labels.Shape);
        Assert.Equal(written.Data.Span.ToArray(), labels.Bytes.ToArray().Select(b => (float)b).ToArray());
        var refusal = Assert.Throws<SegEngineException>(() => model.PredictVoxels(
            image.Data.Span, image.Data.Channels, image.Data.Shape, image.Spacing, image.Geometry.Affine, progress: null, CancellationToken.None));
        Assert.Contains("reoriented to RAS", refusal.Message, StringComparison.Ordinal);
    }

    /// <summary>Tiff3DIO in memory keeps the spacing its writer needs (nothing else to know).</summary>
    [Fact]
    public void InMemoryTiffImageIsAccepted()
    {
        ImageGeometry geometry = ImageGeometry.FromAffine(Tiff3DIO.ReaderName, new Shape3(2, 3, 4), [1.25, 0.5, 0.5], null, "(image in memory)");

        Assert.Equal(TiffSpacingFile.Render([1.25, 0.5, 0.5]), geometry.SpacingJson);
    }

    private static void CompareNifti(string reference, string output)
    {
        byte[] theirs = NiftiFixtures.Decompress(reference), ours = NiftiFixtures.Decompress(output);
        Assert.Equal(theirs.Length, ours.Length);
        Assert.Equal(theirs[..QuaternStart], ours[..QuaternStart]);
        Assert.Equal(theirs[QuaternEnd..NiftiHeaderBytes], ours[QuaternEnd..NiftiHeaderBytes]);
        for (int offset = QuaternStart; offset < QuaternEnd; offset += 4)
        {
            float a = BitConverter.ToSingle(theirs, offset), b = BitConverter.ToSingle(ours, offset);
            Assert.True(Math.Abs(a - b) <= 1e-6f, $"header byte {offset}: nibabel {a:R}, ours {b:R}");
        }

        AssertNearlyAllEqual(theirs[NiftiHeaderBytes..], ours[NiftiHeaderBytes..]);
    }

    private static void AssertNearlyAllEqual<T>(T[] theirs, T[] ours)
        where T : IEquatable<T>
    {
        Assert.Equal(theirs.Length, ours.Length);
        int differing = 0;
        for (int i = 0; i < theirs.Length; i++)
        {
            differing += theirs[i].Equals(ours[i]) ? 0 : 1;
        }

        Assert.True(differing <= theirs.Length / 10_000, $"{differing} of {theirs.Length} voxels differ from nnU-Net's");
    }
}
