using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>The sliding window's bounds refuse lines and absurd step sizes from the shapes alone, and nothing a real scan needs.</summary>
public class TilingBoundsTests
{
    [Theory]
    [InlineData(1000, 512, 512, 128, 128, 128, 0.5)]
    [InlineData(1, 512, 512, 48, 64, 64, 0.5)]
    [InlineData(300, 512, 2, 128, 128, 128, 0.5)]
    [InlineData(7, 7, 7, 48, 64, 64, 0.5)]
    [InlineData(1, 1, 500, 48, 64, 64, 0.5)]
    [InlineData(97, 89, 71, 48, 64, 64, 0.1)]
    public void RealScansAndSmallImagesArePlanned(int z, int y, int x, int pz, int py, int px, double step)
    {
        SlidingWindowGrid grid = SlidingWindowGrid.Create(new Shape3(z, y, x), [pz, py, px], step);

        Assert.True(grid.TileCount >= 1);
    }

    [Theory]
    [InlineData(1, 1, 40000, "too thin for the patch")]
    [InlineData(40000, 1, 1, "too thin for the patch")]
    [InlineData(3, 2, 25000, "too thin for the patch")]
    public void LinesAreRefusedBeforeAnyOffsetIsMade(int z, int y, int x, string reason)
    {
        var error = Assert.Throws<SegEngineException>(() => SlidingWindowGrid.Create(new Shape3(z, y, x), [48, 64, 64], 0.5));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALineThroughATwoDimensionalConfigurationIsRefusedToo()
    {
        var error = Assert.Throws<SegEngineException>(() => SlidingWindowGrid.Create(new Shape3(40000, 1, 1), [96, 96], 0.5));

        Assert.Contains("40000 tiles", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e-9)]
    [InlineData(1e-4)]
    [InlineData(double.Epsilon)]
    public void AStepSizeThatMakesMoreThanAMillionTilesIsRefused(double step)
    {
        var error = Assert.Throws<SegEngineException>(() => SlidingWindowGrid.Create(new Shape3(97, 89, 71), [48, 64, 64], step));

        Assert.Contains("at most 1000000 are allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StepsAreNnUNetsWhereverTheyAreAllowed()
    {
        Assert.Equal([0, 16, 33], SlidingWindowGrid.Steps(97, 64, 0.5));
        Assert.Equal([0], SlidingWindowGrid.Steps(64, 64, 1e-12));
    }
}
