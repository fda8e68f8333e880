using System.Numerics.Tensors;
using SegEngine.Kernels;

namespace SegEngine.Inference;

/// <summary>
/// Adds one tile's fp32 prediction, times the Gaussian, into the held slices of a <see cref="SliceAccumulator"/>
/// (nnunet-parity.md §4.4: acc = half(acc + p·G), weights = half(weights + G)), one tile plane (every class, then the
/// weights) per work item spread over the cores. Items touch disjoint memory, and each voxel still sees the tiles in nnU-Net's order because
/// tiles are added one after the other. The sliding window and its benchmark both call this.
/// </summary>
internal sealed unsafe class TileAggregation
{
    /// <summary>How far ahead of the tile row being added the accumulator is prefetched: the best of 2, 4, 8 and 16 on a 512-wide slab.</summary>
    internal const int PrefetchRowsAhead = 8;

    private const int NoPlane = -1;

    private readonly SliceAccumulator accumulator;
    private readonly Half[] gaussian;
    private readonly Shape3 patch;
    private readonly int headCount;
    private readonly int weightPlane;
    private readonly int tileVoxels;
    private readonly Action<int> addPlane;

    // The tile being added, read by the work items.
    private int tileZ;
    private int tileY;
    private int tileX;
    private int firstPlane;
    private bool addWeights;
    private float* prediction;

    /// <summary>This thread's Gaussian plane widened to float32, kept from tile to tile.</summary>
    [ThreadStatic]
    private static float[]? wideGaussian;

    /// <summary>Aggregation into <paramref name="accumulator"/>'s slices of <paramref name="headCount"/>-class tiles of <paramref name="patch"/>.</summary>
    /// <param name="accumulator">The held slices.</param>
    /// <param name="gaussian">The patch's Gaussian.</param>
    /// <param name="patch">The tile shape (z 1 for a 2-D configuration).</param>
    /// <param name="headCount">Classes K per tile.</param>
    /// <param name="weightPlane">The accumulator plane of the Gaussian weights; class k of a fold is plane fold·K + k.</param>
    public TileAggregation(SliceAccumulator accumulator, Half[] gaussian, Shape3 patch, int headCount, int weightPlane)
    {
        this.accumulator = accumulator;
        this.gaussian = gaussian;
        this.patch = patch;
        this.headCount = headCount;
        this.weightPlane = weightPlane;
        tileVoxels = (int)patch.Voxels;
        addPlane = AddPlane;
    }

    /// <summary>
    /// Adds the (K, patch) <paramref name="values"/> of the tile at padded offsets (<paramref name="z0"/>, <paramref name="y0"/>,
    /// <paramref name="x0"/>) into planes <paramref name="classPlane"/> + k, and the Gaussian into the weights when
    /// <paramref name="withWeights"/> (once per tile, whatever the folds). The tile's rows must be held.
    /// </summary>
    public void Add(int classPlane, int z0, int y0, int x0, ReadOnlySpan<float> values, bool withWeights)
    {
        if (values.Length != headCount * tileVoxels)
        {
            throw new ArgumentException($"a tile of {headCount} classes needs {headCount * tileVoxels} values, got {values.Length}", nameof(values));
        }

        fixed (float* first = values)
        {
            (tileZ, tileY, tileX, firstPlane, addWeights) = (z0, y0, x0, classPlane, withWeights);
            prediction = first;
            Parallel.For(0, patch.Z, addPlane);
            prediction = null;
        }
    }

    /// <summary>
    /// Work item <paramref name="dz"/>: tile plane dz of every class, then of the weights. The plane's Gaussian is widened
    /// to float32 once (exact) and serves all K classes, and the next class's first rows are prefetched while this one ends.
    /// </summary>
    private void AddPlane(int dz)
    {
        int planeVoxels = patch.Y * patch.X;
        ReadOnlySpan<Half> planeGaussian = gaussian.AsSpan(dz * planeVoxels, planeVoxels);
        if (wideGaussian is null || wideGaussian.Length < planeVoxels)
        {
            wideGaussian = new float[planeVoxels];
        }

        Span<float> wide = wideGaussian.AsSpan(0, planeVoxels);
        TensorPrimitives.ConvertToSingle(planeGaussian, wide);
        int z = tileZ + dz;
        for (int k = 0; k < headCount; k++)
        {
            int plane = firstPlane + k;
            int next = k + 1 < headCount ? plane + 1 : addWeights ? weightPlane : NoPlane;
            var values = new ReadOnlySpan<float>(prediction + ((long)k * tileVoxels) + ((long)dz * planeVoxels), planeVoxels);
            for (int dy = 0; dy < patch.Y; dy++)
            {
                PrefetchAhead(z, plane, next, dy);
                int tileRow = dy * patch.X;
                SegKernels.AccumulateWeighted(values.Slice(tileRow, patch.X), wide.Slice(tileRow, patch.X), TileRow(z, plane, dy));
            }
        }

        if (addWeights)
        {
            for (int dy = 0; dy < patch.Y; dy++)
            {
                PrefetchAhead(z, weightPlane, NoPlane, dy);
                SegKernels.AddHalf(planeGaussian.Slice(dy * patch.X, patch.X), TileRow(z, weightPlane, dy));
            }
        }
    }

    /// <summary>The part of accumulator row <see cref="tileY"/> + <paramref name="dy"/> of slice <paramref name="z"/>'s <paramref name="plane"/> that the tile covers.</summary>
    private Span<Half> TileRow(int z, int plane, int dy) => accumulator.Row(z, plane, tileY + dy).Slice(tileX, patch.X);

    /// <summary>
    /// Accumulator rows are a padded width apart, a stride the hardware prefetchers miss: asks for the row a few rows
    /// ahead of <paramref name="dy"/>, running on into plane <paramref name="next"/> (if any) near the end of <paramref name="plane"/>.
    /// </summary>
    private void PrefetchAhead(int z, int plane, int next, int dy)
    {
        int ahead = dy + PrefetchRowsAhead;
        if (ahead < patch.Y)
        {
            SegKernels.Prefetch<Half>(TileRow(z, plane, ahead));
        }
        else if (next != NoPlane && ahead - patch.Y < patch.Y)
        {
            SegKernels.Prefetch<Half>(TileRow(z, next, ahead - patch.Y));
        }
    }
}
