using SegEngine.Conversion;
using SegEngine.Model;
using SegEngine.Model.Checkpoints;
using SegEngine.Pipeline;
using SegEngine.Tests.Inference;

namespace SegEngine.Tests.Conversion;

/// <summary>
/// Tiny torch-made models (tests/fixtures/conversion/plain_3d and resenc_2d, from make_fixtures.py) for what the sample
/// lacks: PlainConvUNet, anisotropic kernels and strides, dropout, nonlin_first, ReLU, stem_channels, non-affine norms.
/// </summary>
public class FixtureModelConversionTests
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "conversion", name);

    [Theory]
    [InlineData("plain_3d", 31)]
    [InlineData("resenc_2d", 32)]
    public void ConversionMatchesTorchsExport(string name, int seed)
    {
        ModelFolder folder = ModelFolder.Load(Fixture(name));
        string converted = Path.Combine(TestPaths.NewTempFolder(), "converted.onnx");

        ModelConversion.ConvertFold(folder, folder.Folds[0], converted);

        long[] shape = [2, 1, .. folder.Configuration.PatchSize.Select(size => (long)size)];
        float[] input = OnnxRunner.RandomInput((int)shape.Aggregate((a, b) => a * b), seed);
        double difference = OnnxRunner.RelativeMaxDifference(OnnxRunner.Run(folder.Folds[0].OnnxPath!, input, shape), OnnxRunner.Run(converted, input, shape));
        Assert.True(difference <= Tolerances.ConvertedLogitsRelative, $"{name}, seed {seed}: max |diff| / range = {difference:E2}");
    }

    [Theory]
    [InlineData("plain_3d")]
    [InlineData("resenc_2d")]
    public void StateDictKeysAreTorchsInTorchsOrder(string name)
    {
        ModelFolder folder = ModelFolder.Load(Fixture(name));
        UNetNetwork network = UNetNetwork.Build(folder.Configuration.Architecture, folder.InputChannels, folder.Labels.HeadCount, folder.Configuration.PatchSize);
        var root = Assert.IsType<PickleDict>(TorchCheckpoint.Open(folder.Folds[0].CheckpointPath!).Root);
        Assert.True(root.TryGetValue("network_weights", out object? weights));

        Assert.Equal(Assert.IsType<PickleDict>(weights).Entries.Select(e => (string)e.Key!), network.StateDictKeys.Select(e => e.Key));
    }

    [Fact]
    public void TheMetadataDescribesTheModel()
    {
        ModelFolder folder = ModelFolder.Load(Fixture("plain_3d"));
        string converted = Path.Combine(TestPaths.NewTempFolder(), "converted.onnx");

        ConversionReport report = ModelConversion.ConvertFold(folder, folder.Folds[0], converted);

        SegEngine.Conversion.Onnx.OnnxModelHeader header = SegEngine.Conversion.Onnx.OnnxModelHeader.Read(converted);
        Assert.Equal(8, header.IrVersion);
        Assert.Equal(17, header.DefaultOpset);
        Assert.Equal("SegEngine", header.ProducerName);
        Assert.Equal("3d_fullres", header.Metadata[OnnxMetadataKeys.Configuration]);
        Assert.Equal("8,16,24", header.Metadata[OnnxMetadataKeys.PatchSize]);
        Assert.Equal("1,2", header.Metadata[OnnxMetadataKeys.MirroringAxes]);
        Assert.Equal("nnUNetTrainer", header.Metadata[OnnxMetadataKeys.Trainer]);
        Assert.Equal("PlainConvUNet", header.Metadata[OnnxMetadataKeys.Network]);
        Assert.Equal("checkpoint_final.pth", header.Metadata[OnnxMetadataKeys.Source]);
        Assert.Equal(report.ParameterCount.ToString(System.Globalization.CultureInfo.InvariantCulture), header.Metadata[OnnxMetadataKeys.ParameterCount]);
    }
}
