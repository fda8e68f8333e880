using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Inference;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Conversion;

/// <summary>The sample checkpoints converted in C# against torch's own ONNX export of the same weights.</summary>
public class CheckpointConversionTests
{
    [Theory]
    [InlineData("3d_fullres", 1, 11)]
    [InlineData("3d_fullres", 2, 12)]
    [InlineData("2d", 1, 21)]
    [InlineData("2d", 2, 22)]
    public void ConvertedSampleMatchesTorchsExport(string configuration, int batch, int seed)
    {
        string folderPath = ModelFixtures.CopySample(configuration);
        ModelFolder folder = ModelFolder.Load(folderPath);
        string converted = Path.Combine(TestPaths.NewTempFolder(), "converted.onnx");

        ConversionReport report = ModelConversion.ConvertFold(folder, folder.Folds[0], converted);

        long[] shape = [batch, 1, .. folder.Configuration.PatchSize.Select(size => (long)size)];
        float[] input = OnnxRunner.RandomInput((int)shape.Aggregate((a, b) => a * b), seed);
        float[] theirs = OnnxRunner.Run(folder.Folds[0].OnnxPath!, input, shape);
        float[] ours = OnnxRunner.Run(converted, input, shape);
        double difference = OnnxRunner.RelativeMaxDifference(theirs, ours);
        Assert.True(difference <= Tolerances.ConvertedLogitsRelative, $"seed {seed}: max |diff| / range = {difference:E2}");
        Assert.Equal(report.Bytes, new FileInfo(converted).Length);
    }
}
