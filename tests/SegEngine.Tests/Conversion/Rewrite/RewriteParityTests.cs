using SegEngine.Tests.Inference;
using Xunit.Abstractions;

namespace SegEngine.Tests.Conversion.Rewrite;

/// <summary>
/// nnU-Net parity with and without the depth-slice rewrite on the 3-D sample cases: both within the parity tolerances,
/// and the rewrite about as close to nnU-Net's logits as ORT's own 3-D convolutions are.
/// </summary>
public class RewriteParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("case_000")]
    [InlineData("case_001")]
    public void BothFormsMatchNnUnetAlike(string caseId)
    {
        SampleComparison original = SampleComparison.Run("3d_fullres", caseId, tta: false, batchSize: 1, graphRewrite: false);
        SampleComparison rewritten = SampleComparison.Run("3d_fullres", caseId, tta: false, batchSize: 1, graphRewrite: true);
        output.WriteLine($"without the rewrite: {original}");
        output.WriteLine($"with the rewrite:    {rewritten}");

        foreach (SampleComparison result in new[] { original, rewritten })
        {
            Assert.True(result.WorstSteps <= Tolerances.MaxSteps, result.ToString());
            Assert.True(result.IdenticalFraction >= Tolerances.MinIdenticalFraction, result.ToString());
        }

        // Summing three 2-D taps rounds differently from one 3-D kernel, as torch's kernels do: a few points either way.
        Assert.True(Math.Abs(rewritten.IdenticalFraction - original.IdenticalFraction) < 0.05, $"{original} / {rewritten}");
    }
}
