using SegEngine.Conversion.Onnx;
using SegEngine.Conversion.Onnx.Rewrite;
using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Conversion.Rewrite;

/// <summary>The rewrite's cache beside the model, its invalidation, and the switch that turns it on.</summary>
public class GraphRewriteCacheTests
{
    /// <summary>The 3d_fullres sample's tile.</summary>
    private static readonly long[] SampleTile = [1, 1, 48, 64, 64];

    [Fact]
    public void TheRewriteIsWrittenOnceBesideTheModelAndReusedWhileTheSourceIsUnchanged()
    {
        string onnx = Path.Combine(ModelFixtures.CopySample("3d_fullres"), "fold_0", "model.onnx");

        string first = GraphRewrite.Prepare(onnx, SampleTile);
        DateTime written = File.GetLastWriteTimeUtc(first);
        string second = GraphRewrite.Prepare(onnx, SampleTile);

        Assert.Equal(onnx + GraphRewrite.FileSuffix, first);
        Assert.Equal(first, second);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second));
        Assert.Equal(GraphRewrite.KeyOf(onnx, SampleTile), OnnxModelHeader.Read(first).Metadata[GraphRewrite.MetadataKey]);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(onnx)!, ".*.tmp"));
    }

    [Fact]
    public void AChangedSourceIsRewrittenAgain()
    {
        string folder = ModelFixtures.CopySample("3d_fullres");
        string onnx = Path.Combine(folder, "fold_0", "model.onnx");
        string rewritten = GraphRewrite.Prepare(onnx, SampleTile);
        string before = OnnxModelHeader.Read(rewritten).Metadata[GraphRewrite.MetadataKey];

        // Another network in the same place: the small ResEnc of the fidelity tests.
        string other = TestPaths.NewTempFolder();
        var report = SegEngine.Pipeline.SyntheticModelFolder.Create(new SegEngine.Pipeline.SyntheticModelRequest(
            RewriteFidelityTests.SmallResEncPlans(other), "3d_fullres", 3, 5, Path.Combine(other, "model"), CheckpointWeights: false));
        File.Copy(report.OnnxPath, onnx, overwrite: true);

        Assert.Equal(rewritten, GraphRewrite.Prepare(onnx, SampleTile));
        string after = OnnxModelHeader.Read(rewritten).Metadata[GraphRewrite.MetadataKey];
        Assert.NotEqual(before, after);
        Assert.Equal(GraphRewrite.KeyOf(onnx, SampleTile), after);
    }

    [Fact]
    public void AModelWithoutThreeDimensionalConvolutionsIsRunAsItIs()
    {
        OnnxSignature signature = ModelFolder.Load(ModelFixtures.CopySample("2d")).Folds[0].Onnx!;
        string onnx = signature.Path;

        Assert.Equal(onnx, GraphRewrite.Prepare(onnx, [1, signature.InputChannels, .. signature.PatchSize.Select(p => (long)p)]));
        Assert.False(File.Exists(onnx + GraphRewrite.FileSuffix));
    }

    [Fact]
    public void AFileThatIsNotAModelIsLeftToOnnxRuntimeToReport()
    {
        string onnx = Path.Combine(TestPaths.NewTempFolder(), "model.onnx");
        File.WriteAllBytes(onnx, [0x0a, 0xff, 0xff, 0x01]);

        Assert.Equal(onnx, GraphRewrite.Prepare(onnx, SampleTile));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheCpuSessionOpensTheRewriteOnlyWhenAskedFor(bool rewrite)
    {
        Assert.False(new InferenceOptions().GraphRewrite);
        string folder = ModelFixtures.CopySample("3d_fullres");
        OnnxSignature signature = ModelFolder.Load(folder).Folds[0].Onnx!;

        using OrtTileNetwork network = OrtTileNetwork.Open(signature, new InferenceOptions { Device = InferenceDevice.Cpu, GraphRewrite = rewrite });

        Assert.Equal(rewrite ? signature.Path + GraphRewrite.FileSuffix : signature.Path, network.ModelPath);
        Assert.Equal(rewrite, File.Exists(signature.Path + GraphRewrite.FileSuffix));
    }
}
