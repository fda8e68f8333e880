using SegEngine.Resampling;

namespace SegEngine.Tests.Resampling;

/// <summary>The separate-z decision shared by preprocessing and export (nnunet-parity.md §3.5), on hand-picked edge cases.</summary>
public sealed class SeparateZRuleTests
{
    [Theory]
    [InlineData(new[] { 1.0, 1.0, 1.0 }, new[] { 1.25, 0.8, 0.8 }, null, null)]
    [InlineData(new[] { 5.0, 1.0, 1.0 }, new[] { 1.0, 1.0, 1.0 }, null, 0)]
    [InlineData(new[] { 1.0, 1.0, 1.0 }, new[] { 1.0, 3.5, 1.0 }, null, 1)]
    [InlineData(new[] { 3.0, 1.0, 1.0 }, new[] { 1.0, 1.0, 1.0 }, null, null)] // ratio exactly 3 is not anisotropic
    [InlineData(new[] { 0.24, 1.25, 1.25 }, new[] { 1.0, 1.0, 1.0 }, null, null)] // two low-res axes tie: off
    [InlineData(new[] { 1.0, 1.0, 2.0 }, new[] { 1.0, 1.0, 1.0 }, true, 2)] // forced: current spacing's axis
    [InlineData(new[] { 5.0, 1.0, 1.0 }, new[] { 1.0, 1.0, 1.0 }, false, null)]
    [InlineData(new[] { 1.0, 1.0, 1.0 }, new[] { 1.0, 1.0, 1.0 }, true, null)] // forced but all tie
    public void FollowsNnUNetsRule(double[] current, double[] target, bool? force, int? expected)
    {
        (bool separateZ, int axis) = SeparateZRule.Determine(force, current, target);

        Assert.Equal(expected, separateZ ? axis : null);
    }
}
