using System.Globalization;

namespace SegEngine.Inference;

/// <summary>
/// The sliding-window work a case may ask for, checked from the shapes before any tile buffer exists: the tile count
/// (a step size near 0 makes it astronomic) and the share of padding (a line or a needle of voxels is padded to whole
/// patches, thousands of network runs over what is almost only zeros).
/// </summary>
internal static class TilingBounds
{
    /// <summary>A million tiles is days of CPU time; more can only come from a step size no one means.</summary>
    public const long MaxTiles = 1_000_000;

    /// <summary>
    /// Padding may multiply the image this many times once it needs more than <see cref="MaxPaddedTiles"/> tiles: a slab
    /// one voxel thin under a 128-wide patch is 128×, a 1×1 line under 48×64 is 3072×.
    /// </summary>
    public const long MaxPaddingFactor = 256;

    /// <summary>Below this tile count any padding is cheap (an image smaller than the patch is one padded tile).</summary>
    public const long MaxPaddedTiles = 64;

    /// <exception cref="SegEngineException">The tile count or the padding is beyond its bound.</exception>
    public static void Check(Shape3 image, Shape3 patch, Shape3 padded, long tiles, double stepSize)
    {
        if (tiles > MaxTiles)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"step size {stepSize:G} over the image {image} with patch {patch} gives {Describe(tiles)} tiles; at most {MaxTiles} are allowed (nnU-Net's default step size is 0.5)"));
        }

        // Each tile covers a patch, so padded voxels / image voxels is the share of the network's work that is padding.
        if (tiles > MaxPaddedTiles && padded.Voxels > MaxPaddingFactor * image.Voxels)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the image {image} is too thin for the patch {patch}: padded to {padded} it is {padded.Voxels / image.Voxels}x its own {image.Voxels} voxels over {tiles} tiles (at most {MaxPaddingFactor}x once over {MaxPaddedTiles} tiles)"));
        }
    }

    private static string Describe(long tiles) => tiles == long.MaxValue ? "more than 9.2e18" : tiles.ToString(CultureInfo.InvariantCulture);
}
