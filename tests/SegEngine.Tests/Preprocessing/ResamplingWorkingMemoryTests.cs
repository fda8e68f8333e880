using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Tests.Preprocessing;

/// <summary>The resampler's planned working memory, counted by hand from the order-3 resize's buffers.</summary>
public class ResamplingWorkingMemoryTests
{
    [Fact]
    public void AnOrder3VolumeHoldsTheRingTheFilteredPlaneAndTheCheckpointBlocks()
    {
        // Padded y 20 + 24 = 44: ring 4 x (44 x 4 taps x 15) = 10,560; y-filtered 44 x 30 = 1,320. Padded z 10 + 24 = 34:
        // blocks of ceil(sqrt 34) = 6 planes, 6 blocks: checkpoints 6 x 600, block 6 x 600, carry 600. In float64.
        long expected = (10_560 + 1_320 + 3_600 + 3_600 + 600) * sizeof(double);

        Assert.Equal(expected, SplineResizer.WorkingBytes(new Shape3(10, 20, 30), new Shape3(5, 10, 15), order: 3, planar: false));
    }

    [Fact]
    public void AnOrder3SliceHoldsOneGatheredPlaneTheFilteredPlaneAndItsInput()
    {
        long expected = ((44 * 4 * 15) + (44 * 30) + (20 * 30)) * sizeof(double);

        Assert.Equal(expected, SplineResizer.WorkingBytes(new Shape3(1, 20, 30), new Shape3(1, 10, 15), order: 3, planar: true));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void TheDirectOrdersHoldNoVolumeSizedWorkingMemory(int order) =>
        Assert.Equal(0, SplineResizer.WorkingBytes(new Shape3(10, 20, 30), new Shape3(5, 10, 15), order, planar: false));
}
