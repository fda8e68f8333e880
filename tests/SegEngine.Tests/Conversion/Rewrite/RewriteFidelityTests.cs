using System.Text.Json.Nodes;
using SegEngine.Conversion.Onnx.Rewrite;
using SegEngine.Pipeline;
using Xunit.Abstractions;

namespace SegEngine.Tests.Conversion.Rewrite;

/// <summary>
/// The depth-slice rewrite computes the network it replaces: the rewritten ONNX's logits against the original's in ORT,
/// on random patches, for the sample model and a small synthetic ResEnc with anisotropic kernels and strides.
/// </summary>
public class RewriteFidelityTests(ITestOutputHelper output)
{
    /// <summary>Float rounding of summing three 2-D taps instead of one 3-D kernel, relative to the logits' range.</summary>
    private const double MaxRelativeDifference = 1e-5;

    [Fact]
    public void SampleModelLogitsMatchTheOriginalAtBatchTwo()
    {
        string onnx = Path.Combine(TestPaths.SampleModel("3d_fullres"), "fold_0", "model.onnx");
        AssertRewriteMatches(onnx, [2, 1, 48, 64, 64], expectedRewritten: 0);
    }

    [Fact]
    public void SmallResEncWithAnisotropicKernelsMatchesTheOriginal()
    {
        string folder = TestPaths.NewTempFolder();
        string plans = SmallResEncPlans(folder);
        SyntheticModelReport report = SyntheticModelFolder.Create(new SyntheticModelRequest(plans, "3d_fullres", 3, 5, Path.Combine(folder, "model"), CheckpointWeights: false));
        AssertRewriteMatches(report.OnnxPath, [1, 1, 16, 32, 32], expectedRewritten: 0);
    }

    /// <summary>The M plans cut down to 4 stages of 64 channels, the first one 1×3×3 with stride 1×2×2 after it, on a 16×32×32 patch.</summary>
    internal static string SmallResEncPlans(string folder)
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixtures, "conversion", "resenc_m_plans.json")))!.AsObject();
        JsonObject configuration = root["configurations"]!["3d_fullres"]!.AsObject();
        configuration["patch_size"] = new JsonArray(16, 32, 32);
        JsonObject arch = configuration["architecture"]!["arch_kwargs"]!.AsObject();
        arch["n_stages"] = 4;
        arch["features_per_stage"] = new JsonArray(64, 64, 64, 64);
        arch["kernel_sizes"] = new JsonArray(new JsonArray(1, 3, 3), new JsonArray(3, 3, 3), new JsonArray(3, 3, 3), new JsonArray(3, 3, 3));
        arch["strides"] = new JsonArray(new JsonArray(1, 1, 1), new JsonArray(1, 2, 2), new JsonArray(2, 2, 2), new JsonArray(2, 2, 2));
        arch["n_blocks_per_stage"] = new JsonArray(1, 2, 2, 2);
        arch["n_conv_per_stage_decoder"] = new JsonArray(1, 1, 1);
        string path = Path.Combine(folder, "plans.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }

    private void AssertRewriteMatches(string onnx, long[] shape, int expectedRewritten)
    {
        string rewritten = Path.Combine(TestPaths.NewTempFolder(), "rewritten.onnx");
        Assert.True(GraphRewrite.TryWrite(onnx, rewritten, "test", shape));
        (int before, int after) = (StrideOneConvolutions3D(onnx), StrideOneConvolutions3D(rewritten));
        Assert.True(before > 0);
        Assert.Equal(expectedRewritten, after);

        // Each rewritten weight is written once, reordered, in place of the 3-D one.
        Assert.InRange(new FileInfo(rewritten).Length, 0, (new FileInfo(onnx).Length * 21 / 20) + (64 << 10));

        float[] input = OnnxRunner.RandomInput((int)shape.Aggregate(1L, (a, b) => a * b), 11);
        float[] expected = OnnxRunner.Run(onnx, input, shape);
        float[] actual = OnnxRunner.Run(rewritten, input, shape);
        double relative = OnnxRunner.RelativeMaxDifference(expected, actual);
        double absolute = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        output.WriteLine($"{onnx}: {before} convolutions rewritten, max |difference| {absolute:E2}, over the logits' range {relative:E2}");
        Assert.True(relative < MaxRelativeDifference, $"max |difference| / range = {relative:E2}");
    }

    private static int StrideOneConvolutions3D(string onnx)
    {
        using FileStream stream = File.OpenRead(onnx);
        OnnxModelLayout layout = OnnxModelLayout.Read(stream);
        return layout.Nodes.Count(node => DepthSliceConvolution.TryMatch(node, layout.InitializerDims) is { } c && DepthSliceRule.Profits(c));
    }
}
