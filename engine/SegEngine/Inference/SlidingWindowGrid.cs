namespace SegEngine.Inference;

/// <summary>
/// Where the tiles of one case go: the zero padding up to the patch, the tile offsets per axis and their order.
/// A 2-D configuration is held as a 3-D grid whose patch is one slice deep and whose axis-0 offsets are every slice.
/// </summary>
/// <remarks>
/// nnU-Net: <c>acvl_utils pad_nd_image</c> (nnunet-parity.md §4.1), <c>compute_steps_for_sliding_window</c> (nnunet-parity.md §4.2) and
/// <c>_internal_get_sliding_window_slicers</c> (nnunet-parity.md §4.2 tile order, §4.8 for 2-D configurations).
/// </remarks>
internal sealed class SlidingWindowGrid
{
    private SlidingWindowGrid(Shape3 image, Shape3 patch, int patchRank, Shape3 padded, Shape3 padBelow, int[][] offsets)
    {
        Image = image;
        Patch = patch;
        PatchRank = patchRank;
        Padded = padded;
        PadBelow = padBelow;
        Offsets = offsets;
    }

    /// <summary>The unpadded (preprocessed) spatial shape.</summary>
    public Shape3 Image { get; }

    /// <summary>The tile extent in 3-D; Z is 1 for a 2-D configuration.</summary>
    public Shape3 Patch { get; }

    /// <summary>2 or 3: the rank of the network's spatial input.</summary>
    public int PatchRank { get; }

    public Shape3 Padded { get; }

    /// <summary>Padding before the image on each axis (the odd extra voxel goes after).</summary>
    public Shape3 PadBelow { get; }

    /// <summary>Tile start offsets in padded coordinates for axes 0, 1, 2, each ascending.</summary>
    public IReadOnlyList<int[]> Offsets { get; }

    public int TileCount => Offsets[0].Length * Offsets[1].Length * Offsets[2].Length;

    public int TilesPerAxis0Position => Offsets[1].Length * Offsets[2].Length;

    /// <summary>The padded slice below which tile row <paramref name="row"/> leaves every slice final: where the next row starts, or the end.</summary>
    public int FinishedBelow(int row) => row + 1 < Offsets[0].Length ? Offsets[0][row + 1] : Padded.Z;

    /// <summary>Padded row <paramref name="paddedRow"/> as an image row, clamped to the image (0 or Y in the padding).</summary>
    public int ImageRow(int paddedRow) => Math.Clamp(paddedRow - PadBelow.Y, 0, Image.Y);

    /// <summary>Plans the grid for an image and a 2-D or 3-D patch.</summary>
    public static SlidingWindowGrid Create(Shape3 image, IReadOnlyList<int> patchSize, double stepSize)
    {
        if (patchSize.Count is not (2 or 3))
        {
            throw new ArgumentException($"a patch has 2 or 3 axes, got {patchSize.Count}", nameof(patchSize));
        }

        foreach (int p in patchSize)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(p, nameof(patchSize));
        }

        if (!(stepSize > 0 && stepSize <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "must be in (0, 1]");
        }

        if (image.Z <= 0 || image.Y <= 0 || image.X <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(image), image, "every axis must be positive");
        }

        bool twoD = patchSize.Count == 2;
        Shape3 patch = twoD ? new Shape3(1, patchSize[0], patchSize[1]) : new Shape3(patchSize[0], patchSize[1], patchSize[2]);

        // pad_nd_image pads only the patch's axes, to max(size, patch); axis 0 of a 2-D configuration is left alone.
        Span<int> padded = stackalloc int[3];
        Span<int> below = stackalloc int[3];
        for (int axis = 0; axis < 3; axis++)
        {
            padded[axis] = Math.Max(image[axis], patch[axis]);
            below[axis] = (padded[axis] - image[axis]) / 2;
        }

        TilingBounds.Check(image, patch, Shape3.FromArray(padded), CountTiles(padded, patch, twoD ? image.Z : -1, stepSize), stepSize);
        var offsets = new int[3][];
        offsets[0] = twoD ? Enumerable.Range(0, image.Z).ToArray() : Steps(padded[0], patch.Z, stepSize);
        offsets[1] = Steps(padded[1], patch.Y, stepSize);
        offsets[2] = Steps(padded[2], patch.X, stepSize);
        return new SlidingWindowGrid(
            image, patch, patchSize.Count, Shape3.FromArray(padded), Shape3.FromArray(below), offsets);
    }

    /// <summary>nnU-Net's step rule for one axis of (padded) size <paramref name="size"/> ≥ <paramref name="tile"/>.</summary>
    public static int[] Steps(int size, int tile, double stepSize)
    {
        long count = StepCount(size, tile, stepSize);
        if (count <= 1)
        {
            return [0];
        }

        if (count > TilingBounds.MaxTiles)
        {
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"gives {count} steps over {size} voxels; at most {TilingBounds.MaxTiles}");
        }

        double actualStep = (double)(size - tile) / (count - 1);
        var steps = new int[count];
        for (int i = 0; i < count; i++)
        {
            steps[i] = (int)Math.Round(actualStep * i, MidpointRounding.ToEven);
        }

        return steps;
    }

    /// <summary>
    /// The steps on one axis without making them: float64 throughout, as NumPy, n = ceil((S - P) / (P * f)) + 1; saturated
    /// at <see cref="long.MaxValue"/>, which a step size near 0 would otherwise overflow.
    /// </summary>
    private static long StepCount(int size, int tile, double stepSize)
    {
        double count = Math.Ceiling((size - tile) / (tile * stepSize)) + 1;
        return count >= long.MaxValue ? long.MaxValue : Math.Max(1, (long)count);
    }

    /// <summary>The tiles the grid will have, saturating instead of overflowing; <paramref name="slices2D"/> is the slice count of a 2-D configuration, −1 in 3-D.</summary>
    private static long CountTiles(ReadOnlySpan<int> padded, Shape3 patch, int slices2D, double stepSize)
    {
        long tiles = slices2D > 0 ? slices2D : StepCount(padded[0], patch.Z, stepSize);
        for (int axis = 1; axis < 3; axis++)
        {
            long steps = StepCount(padded[axis], patch[axis], stepSize);
            tiles = tiles > long.MaxValue / steps ? long.MaxValue : tiles * steps;
        }

        return tiles;
    }
}
