using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Inference;

namespace SegEngine.Tests.Conversion;

/// <summary>The sample checkpoints converted in C# against torch's own ONNX export of the same weights.</summary>
public class CheckpointConversionTests
{
    [Theory]
    [InlineData("3d_fullres", 11)]
    [InlineData("2d", 21)]
    public void ConvertedSampleMatchesTorchsExport(string configuration, int seed)
    {
        ModelFolder folder = ModelFolder.Load(TestPaths.SampleModel(configuration));
        string converted = Path.Combine(TestPaths.NewTempFolder(), "converted.onnx");

        ConversionReport report = ModelConversion.ConvertFold(folder, folder.Folds[0], converted);

        Assert.Equal(report.Bytes, new FileInfo(converted).Length);
        using var theirs = new OnnxRunner(folder.Folds[0].OnnxPath!);
        using var ours = new OnnxRunner(converted);
        foreach (int batch in new[] { 1, 2 })
        {
            long[] shape = [batch, 1, .. folder.Configuration.PatchSize.Select(size => (long)size)];
            float[] input = OnnxRunner.RandomInput((int)shape.Aggregate((a, b) => a * b), seed + batch);
            double difference = OnnxRunner.RelativeMaxDifference(theirs.Run(input, shape), ours.Run(input, shape));
            Assert.True(difference <= Tolerances.ConvertedLogitsRelative, $"seed {seed + batch}, batch {batch}: max |diff| / range = {difference:E2}");
        }
    }
}
