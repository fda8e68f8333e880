using SegEngine.Kernels;

namespace SegEngine.Inference;

/// <summary>
/// Adds one tile's fp32 prediction, times the Gaussian, into the held slices of a <see cref="SliceAccumulator"/>
/// (nnunet-parity.md §4.4: acc = half(acc + p·G), weights = half(weights + G)), one (class, tile plane) per work item
/// spread over the cores. Items touch disjoint memory, and each voxel still sees the tiles in nnU-Net's order because
/// tiles are added one after the other. The sliding window and its benchmark both call this.
/// </summary>
internal sealed unsafe class TileAggregation
{
    /// <summary>How far ahead of the tile row being added the accumulator is prefetched: the best of 2, 4, 8 and 16 on a 512-wide slab.</summary>
    internal const int PrefetchRowsAhead = 8;

    private readonly SliceAccumulator accumulator;
    private readonly Half[] gaussian;
    private readonly Shape3 patch;
    private readonly int paddedX;
    private readonly int headCount;
    private readonly int weightPlane;
    private readonly int tileVoxels;
    private readonly Action<int> addPlane;

    // The tile being added, read by the work items.
    private int tileZ;
    private int tileStart;
    private int firstPlane;
    private float* prediction;

    /// <summary>Aggregation into <paramref name="accumulator"/>'s slices, <paramref name="paddedX"/> wide, of <paramref name="headCount"/>-class tiles of <paramref name="patch"/>.</summary>
    /// <param name="accumulator">The held slices.</param>
    /// <param name="gaussian">The patch's Gaussian.</param>
    /// <param name="patch">The tile shape (z 1 for a 2-D configuration).</param>
    /// <param name="paddedX">The accumulator's row length.</param>
    /// <param name="headCount">Classes K per tile.</param>
    /// <param name="weightPlane">The accumulator plane of the Gaussian weights; class k of a fold is plane fold·K + k.</param>
    public TileAggregation(SliceAccumulator accumulator, Half[] gaussian, Shape3 patch, int paddedX, int headCount, int weightPlane)
    {
        this.accumulator = accumulator;
        this.gaussian = gaussian;
        this.patch = patch;
        this.paddedX = paddedX;
        this.headCount = headCount;
        this.weightPlane = weightPlane;
        tileVoxels = (int)patch.Voxels;
        addPlane = AddPlane;
    }

    /// <summary>
    /// Adds the (K, patch) <paramref name="values"/> of the tile at padded offsets (<paramref name="z0"/>, <paramref name="y0"/>,
    /// <paramref name="x0"/>) into planes <paramref name="classPlane"/> + k, and the Gaussian into the weights when
    /// <paramref name="withWeights"/> (once per tile, whatever the folds).
    /// </summary>
    public void Add(int classPlane, int z0, int y0, int x0, ReadOnlySpan<float> values, bool withWeights)
    {
        if (values.Length != headCount * tileVoxels)
        {
            throw new ArgumentException($"a tile of {headCount} classes needs {headCount * tileVoxels} values, got {values.Length}", nameof(values));
        }

        int planes = withWeights ? headCount + 1 : headCount;
        fixed (float* first = values)
        {
            (tileZ, tileStart, firstPlane) = (z0, (y0 * paddedX) + x0, classPlane);
            prediction = first;
            Parallel.For(0, planes * patch.Z, addPlane);
            prediction = null;
        }
    }

    /// <summary>Work item <paramref name="item"/>: class <c>item / patch.Z</c> (the weights after the last class), tile plane <c>item % patch.Z</c>.</summary>
    private void AddPlane(int item)
    {
        int k = item / patch.Z;
        int dz = item % patch.Z;
        bool weights = k == headCount;
        Span<Half> plane = accumulator.Plane(tileZ + dz, weights ? weightPlane : firstPlane + k)[tileStart..];
        var values = new ReadOnlySpan<float>(prediction + ((long)k * tileVoxels), tileVoxels);
        for (int dy = 0; dy < patch.Y; dy++)
        {
            // Accumulator rows are a padded width apart, a stride the hardware prefetchers miss; ask for a few rows ahead.
            int ahead = dy + PrefetchRowsAhead;
            if (ahead < patch.Y)
            {
                SegKernels.Prefetch<Half>(plane.Slice(ahead * paddedX, patch.X));
            }

            int tileRow = ((dz * patch.Y) + dy) * patch.X;
            Span<Half> row = plane.Slice(dy * paddedX, patch.X);
            if (weights)
            {
                SegKernels.AddHalf(gaussian.AsSpan(tileRow, patch.X), row);
            }
            else
            {
                SegKernels.AccumulateWeighted(values.Slice(tileRow, patch.X), gaussian.AsSpan(tileRow, patch.X), row);
            }
        }
    }
}
