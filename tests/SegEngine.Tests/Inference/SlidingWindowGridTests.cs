using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>Padding and tile offsets (nnunet-parity.md §4.1, §4.2, §4.8).</summary>
public class SlidingWindowGridTests
{
    [Fact]
    public void ContractExamples()
    {
        Assert.Equal([0, 23, 46], SlidingWindowGrid.Steps(110, 64, 0.5));
        Assert.Equal([0, 41, 82, 122, 163, 204], SlidingWindowGrid.Steps(300, 96, 0.5));
        Assert.Equal([0, 70, 141, 211, 282, 352], SlidingWindowGrid.Steps(512, 160, 0.5));
        Assert.Equal([0], SlidingWindowGrid.Steps(64, 64, 0.5));
    }

    [Fact]
    public void SmallImageIsPaddedSymmetricallyWithTheExtraVoxelAfter()
    {
        var grid = SlidingWindowGrid.Create(new Shape3(30, 36, 41), [48, 64, 64], 0.5);

        Assert.Equal(new Shape3(48, 64, 64), grid.Padded);
        Assert.Equal(new Shape3(9, 14, 11), grid.PadBelow);
        Assert.Equal(1, grid.TileCount);
    }

    [Fact]
    public void TwoDimensionalPatchTilesEverySliceAndPadsOnlyInPlane()
    {
        var grid = SlidingWindowGrid.Create(new Shape3(5, 89, 97), [96, 96], 0.5);

        Assert.Equal(new Shape3(1, 96, 96), grid.Patch);
        Assert.Equal(new Shape3(5, 96, 97), grid.Padded);
        Assert.Equal(new Shape3(0, 3, 0), grid.PadBelow);
        Assert.Equal([0, 1, 2, 3, 4], grid.Offsets[0]);
        Assert.Equal([0, 1], grid.Offsets[2]);
    }

    [Fact]
    public void MirrorPassesFollowItertoolsOrder()
    {
        Mirror[] passes = MirrorCombinations.Passes([0, 1, 2], 3, enabled: true);

        Assert.Equal(
            [
                new Mirror(false, false, false),
                new Mirror(true, false, false), new Mirror(false, true, false), new Mirror(false, false, true),
                new Mirror(true, true, false), new Mirror(true, false, true), new Mirror(false, true, true),
                new Mirror(true, true, true),
            ],
            passes);
        Assert.Equal([new Mirror(false, true, false), new Mirror(false, false, true)], MirrorCombinations.Passes([0, 1], 2, true)[1..3]);
        Assert.Single(MirrorCombinations.Passes([0, 1, 2], 3, enabled: false));
    }
}
