using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Conversion;
using SegEngine.Conversion.Onnx;
using SegEngine.Model;
using SegEngine.Pipeline;

namespace SegEngine.Tests.Conversion;

/// <summary><c>synth-model</c>: the full ResEnc M of nnunet-parity.md §1.5 in ORT, and small models for determinism and logit range.</summary>
public class SyntheticModelTests
{
    private static readonly string MPlans = Path.Combine(TestPaths.Fixtures, "conversion", "resenc_m_plans.json");

    /// <summary>Bound on synthetic logits: far inside fp16's range (65504), and about what trained heads produce.</summary>
    private const float MaxAbsLogit = 50;

    [Fact]
    public void FullSizeResEncMLoadsInOrtWithTheContractsParameterCount()
    {
        string folder = Path.Combine(TestPaths.NewTempFolder(), "synthetic_m");
        try
        {
            SyntheticModelReport report = SyntheticModelFolder.Create(new SyntheticModelRequest(MPlans, "3d_fullres", 5, 1, folder, CheckpointWeights: false));

            Assert.Equal(101_942_585L, report.ParameterCount);
            Assert.Equal("ResidualEncoderUNet", report.NetworkClass);
            var clock = Stopwatch.StartNew();
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR })
            using (var session = new InferenceSession(report.OnnxPath, options))
            {
                Assert.Equal([-1, 1, 96, 160, 160], session.InputMetadata["input"].Dimensions);
                Assert.Equal([-1, 5, 96, 160, 160], session.OutputMetadata["logits"].Dimensions);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"creating the session took {clock.Elapsed}");
            ModelFolder model = ModelFolder.Load(folder);
            Assert.Equal("3d_fullres", model.Configuration.Name);
            Assert.Equal([0, 1, 2], model.MirroringAxes!);
            Assert.Equal(5, model.Labels.HeadCount);
            Assert.Equal("101942585", OnnxModelHeader.Read(report.OnnxPath).Metadata[OnnxMetadataKeys.ParameterCount]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ManyClassesGiveFiniteModerateLogitsAndTheCheckpointConvertsBack()
    {
        string plans = Path.Combine(TestPaths.SampleModel("2d"), "plans.json");
        string folder = Path.Combine(TestPaths.NewTempFolder(), "synthetic");
        SyntheticModelReport report = SyntheticModelFolder.Create(new SyntheticModelRequest(plans, "2d", 118, 7, folder));

        float[] input = OnnxRunner.RandomInput(96 * 96, 7);
        float[] logits = OnnxRunner.Run(report.OnnxPath, input, [1, 1, 96, 96]);
        Assert.Equal(118 * 96 * 96, logits.Length);
        Assert.All(logits, value => Assert.True(float.IsFinite(value) && Math.Abs(value) < MaxAbsLogit, $"logit {value}"));
        Assert.True(logits.Max() - logits.Min() > 0.1f, "the logits should not be constant");

        ModelFolder model = ModelFolder.Load(folder);
        Assert.Equal(118, model.Labels.HeadCount);
        string converted = Path.Combine(TestPaths.NewTempFolder(), "converted.onnx");
        ModelConversion.ConvertFold(model, model.Folds[0], converted);
        Assert.Equal(logits, OnnxRunner.Run(converted, input, [1, 1, 96, 96]));
    }

    [Fact]
    public void TheSeedDecidesTheWeights()
    {
        string plans = Path.Combine(TestPaths.SampleModel("3d_fullres"), "plans.json");
        string Make(int seed) =>
            SyntheticModelFolder.Create(new SyntheticModelRequest(plans, "3d_fullres", 3, seed, Path.Combine(TestPaths.NewTempFolder(), "m"), CheckpointWeights: false)).OnnxPath;

        byte[] first = File.ReadAllBytes(Make(5));

        Assert.Equal(first, File.ReadAllBytes(Make(5)));
        Assert.NotEqual(first, File.ReadAllBytes(Make(6)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(SyntheticModelFolder.MaxClasses + 1)]
    public void ClassCountsOutsideTheRangeAreRejected(int classes)
    {
        var error = Assert.Throws<SegEngineException>(() => SyntheticModelFolder.Create(
            new SyntheticModelRequest(MPlans, "3d_fullres", classes, 0, TestPaths.NewTempFolder())));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains("--classes", error.Message, StringComparison.Ordinal);
    }
}
