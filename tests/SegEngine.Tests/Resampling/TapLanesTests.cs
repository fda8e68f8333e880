using SegEngine.Kernels;
using SegEngine.Resampling;

namespace SegEngine.Tests.Resampling;

public sealed class TapLanesTests
{
    /// <summary>
    /// The ranges cover every lane's taps, ascend without overlap, and span at least the scaling kernel's vector step
    /// (or the whole axis when it is shorter), so no range is scaled one value at a time.
    /// </summary>
    [Theory]
    [InlineData(3, 5)]
    [InlineData(8, 12)]
    [InlineData(40, 60)]
    [InlineData(160, 240)]
    [InlineData(160, 100)]
    public void RangesCoverTheTapsAndSpanAVectorStep(int inputLength, int outputLength)
    {
        TapPairs<double> axis = TapPairs.Linear(inputLength, outputLength);
        var lanes = new TapLanes(axis);
        var random = new Random(inputLength + outputLength);
        for (int trial = 0; trial < 50; trial++)
        {
            int[] labels = Enumerable.Range(0, outputLength).Select(_ => random.Next(6) == 0 ? -1 : 0).ToArray();
            lanes.Select(labels, -1);
            int[] expected = Enumerable.Range(0, outputLength).Where(o => labels[o] == -1).ToArray();
            Assert.Equal(expected, lanes.Output.ToArray());
            int shortest = Math.Min(SegKernels.ScaleBlock, inputLength);
            for (int r = 0; r < lanes.RangeCount; r++)
            {
                Assert.True(lanes.RangeFirst[r] >= 0 && lanes.RangeLast[r] < inputLength);
                Assert.True(lanes.RangeLast[r] - lanes.RangeFirst[r] + 1 >= shortest);
                Assert.True(r == 0 || lanes.RangeFirst[r] > lanes.RangeLast[r - 1]);
            }

            for (int i = 0; i < lanes.Count; i++)
            {
                foreach (int tap in (int[])[lanes.Low[i], lanes.High[i]])
                {
                    Assert.Contains(Enumerable.Range(0, lanes.RangeCount), r => lanes.RangeFirst[r] <= tap && tap <= lanes.RangeLast[r]);
                }
            }
        }
    }
}
