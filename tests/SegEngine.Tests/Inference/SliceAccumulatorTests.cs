using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>The accumulator's blocks: discarding rows never touches values outside the range, and a reused block reads as zero.</summary>
public class SliceAccumulatorTests
{
    [Fact]
    public void DiscardKeepsEveryValueOutsideItsRangeAndReusedBlocksAreZero()
    {
        // Planes of 5000 values (10,000 bytes): pages lie wholly inside a discarded range, and others straddle its ends.
        const int Plane = 5000;
        using var accumulator = new SliceAccumulator(slices: 3, planes: 3, planeLength: Plane);
        accumulator.Hold(0, 1);
        for (int p = 0; p < 3; p++)
        {
            accumulator.Plane(0, p).Fill((Half)1);
        }

        accumulator.Discard(0, firstPlane: 1, planes: 2, from: 200, to: 4900);

        Assert.All(accumulator.Plane(0, 0).ToArray(), v => Assert.Equal((Half)1, v));
        for (int p = 1; p < 3; p++)
        {
            Half[] values = accumulator.Plane(0, p).ToArray();
            Assert.All(values[..200], v => Assert.Equal((Half)1, v));
            Assert.All(values[4900..], v => Assert.Equal((Half)1, v));
            Assert.All(values[200..4900], v => Assert.True(v == (Half)1 || v == (Half)0));
            if (OperatingSystem.IsLinux())
            {
                Assert.Contains((Half)0, values[200..4900]);
            }
        }

        // Reused after a discard (pages given back), then after being held whole (cleared in place).
        accumulator.Release(0);
        accumulator.Hold(1, 2);
        for (int p = 0; p < 3; p++)
        {
            Assert.All(accumulator.Plane(1, p).ToArray(), v => Assert.Equal((Half)0, v));
            accumulator.Plane(1, p).Fill((Half)1);
        }

        accumulator.Release(1);
        accumulator.Hold(2, 3);
        for (int p = 0; p < 3; p++)
        {
            Assert.All(accumulator.Plane(2, p).ToArray(), v => Assert.Equal((Half)0, v));
        }
    }
}
