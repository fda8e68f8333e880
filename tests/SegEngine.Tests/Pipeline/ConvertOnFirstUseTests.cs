using SegEngine.Conversion;
using SegEngine.Conversion.Onnx;
using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Tests.Inference;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Pipeline;

/// <summary>
/// A model folder with only checkpoints: converted when loaded, kept for the next load, or cached elsewhere when read-only;
/// the converted model's segmentation is checked against nnU-Net's own (torch) one.
/// </summary>
public class ConvertOnFirstUseTests
{
    private static readonly InferenceOptions NoTta = new() { Device = InferenceDevice.Cpu, UseMirroring = false };

    [Fact]
    public void ACheckpointOnlyFoldIsConvertedBesideItsCheckpointAndAgreesWithNnUNet()
    {
        string folder = ModelFixtures.CopySample("3d_fullres");
        string onnx = Path.Combine(folder, "fold_0", "model.onnx");
        File.Delete(onnx);

        using (SegModel converted = SegModel.Load(folder, new SegModelOptions { Inference = NoTta }))
        {
            Assert.True(File.Exists(onnx));
            Assert.Equal("SegEngine", OnnxModelHeader.Read(onnx).ProducerName);
            using ImageVolume image = converted.ReadImage([TestPaths.SampleCase("case_003")]);
            using LabelMap ours = converted.Predict(image);
            using ImageVolume theirs = new NibabelIO().Read([TestPaths.SampleReference("3d_fullres_notta", "case_003")]);
            Assert.Equal(theirs.Geometry.OriginalShape, ours.Shape);
            double agreement = Agreement(theirs.Data.Span, ours);
            Assert.True(agreement >= Tolerances.MinVoxelAgreement, $"voxel agreement with nnU-Net's segmentation {agreement:P4}");
        }

        DateTime written = File.GetLastWriteTimeUtc(onnx);
        using (SegModel again = SegModel.Load(folder, new SegModelOptions { Inference = NoTta }))
        {
            Assert.Equal(written, File.GetLastWriteTimeUtc(onnx));
        }
    }

    [Fact]
    public void AnUnwritableFoldIsConvertedIntoTheCacheWithAWarning()
    {
        string folder = ModelFixtures.CopySample("2d");
        string onnx = Path.Combine(folder, "fold_0", "model.onnx");
        File.Delete(onnx);
        // A folder in the way makes the fold unwritable for model.onnx even to root, which ignores permission bits.
        Directory.CreateDirectory(onnx);
        string cache = TestPaths.NewTempFolder();
        var warnings = new List<string>();
        var options = new SegModelOptions { ConversionCacheDirectory = cache, Inference = NoTta with { Warning = warnings.Add } };

        using (SegModel.Load(folder, options))
        {
        }

        string cached = Assert.Single(Directory.GetFiles(cache, "model.onnx", SearchOption.AllDirectories));
        string warning = Assert.Single(warnings);
        Assert.Contains(cached, warning, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, "fold_0"), warning, StringComparison.Ordinal);
        Assert.Equal("checkpoint_final.pth", OnnxModelHeader.Read(cached).Metadata[OnnxMetadataKeys.Source]);

        DateTime written = File.GetLastWriteTimeUtc(cached);
        using (SegModel.Load(folder, options))
        {
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(cached));
        Assert.Equal(2, warnings.Count);
    }

    private static double Agreement(ReadOnlySpan<float> expected, LabelMap actual)
    {
        Assert.False(actual.IsUInt16);
        ReadOnlySpan<byte> labels = actual.Bytes;
        Assert.Equal(expected.Length, labels.Length);
        long same = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            same += expected[i] == labels[i] ? 1 : 0;
        }

        return (double)same / labels.Length;
    }
}
