using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Inference;
using Xunit.Abstractions;

namespace SegEngine.Tests.Conversion;

/// <summary>
/// The sample checkpoints converted in C# against nnU-Net's own logits of the same weights (torch, through nnU-Net's
/// sliding window with mirroring), with the tolerances of <see cref="SampleLogitsTests"/>. Tiles go through the
/// converted graph two at a time, so its dynamic batch axis is exercised too.
/// </summary>
public class CheckpointConversionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("3d_fullres")]
    [InlineData("2d")]
    public void ConvertedSampleMatchesNnUNetsLogits(string configuration)
    {
        ModelFolder folder = ModelFolder.Load(TestPaths.SampleModel(configuration));
        string converted = Path.Combine(TestPaths.NewTempFolder(), "converted.onnx");

        ConversionReport report = ModelConversion.ConvertFold(folder, folder.Folds[0], converted);

        Assert.Equal(report.Bytes, new FileInfo(converted).Length);
        SampleComparison result = SampleComparison.Run(configuration, "case_003", tta: true, batchSize: 2, batchMirrors: true, onnx: converted);
        output.WriteLine(result.ToString());
        Assert.True(result.WorstSteps <= Tolerances.MaxSteps, result.ToString());
        Assert.True(result.IdenticalFraction >= Tolerances.MinIdenticalFraction, result.ToString());
    }
}
