using SegEngine.Kernels;
using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// The full per-class work for the output voxels the fast path left undecided, a row at a time: each class's order-1
/// sums (<see cref="TrilinearStencil"/>), stored to fp16 with NumPy's direct double→half rounding
/// (<see cref="SegKernels.RoundToHalf"/>), then the argmax (ties to the lowest class) or the region thresholds with later
/// heads winning. The undecided voxels of a row are gathered into vector lanes (<see cref="TapLanes"/>); each voxel's
/// value is exactly the scalar sum's.
/// </summary>
/// <remarks>skimage's per-class clip is left out on purpose: docs/fused-export.md, "Why the clip is a no-op".</remarks>
internal static class ExactVoxel
{
    /// <summary>This thread's buffers, kept from row to row (rows are emitted on pool threads, in parallel).</summary>
    [ThreadStatic]
    private static RowScratch? scratch;

    /// <summary>
    /// Fills every <see cref="CellFastPath.Undecided"/> entry of <paramref name="labels"/>, the labels of output row
    /// <paramref name="stencil"/> (one per output x of <paramref name="grid"/>); decided entries are left as they are.
    /// </summary>
    public static void LabelRow(
        ResamplingGrid grid, in TrilinearStencil stencil, InputPlanes planes, int classes, int[]? regionsClassOrder, Span<int> labels)
    {
        if (!labels.Contains(CellFastPath.Undecided))
        {
            return;
        }

        RowScratch work = RowScratch.For(ref scratch, grid);
        TapLanes lanes = work.Lanes;
        lanes.Select(labels, CellFastPath.Undecided);
        int n = lanes.Count;
        SliceClassPlanes low = planes.Slice(stencil.LowSlice);
        SliceClassPlanes high = planes.Slice(stencil.HighSlice);
        Span<double> sums = work.Sums.AsSpan(0, n);
        Span<float> value = work.Values.AsSpan(0, n);
        Span<float> best = work.Best.AsSpan(0, n);
        Span<float> runnerUp = work.RunnerUp.AsSpan(0, n);
        Span<float> winner = work.Winner.AsSpan(0, n);
        for (int k = 0; k < classes; k++)
        {
            if (k + 1 < classes)
            {
                stencil.Prefetch(low, high, k + 1, lanes);
            }

            stencil.Sum(low, high, k, lanes, sums, work.ScaledRows);
            SegKernels.RoundToHalf(sums, value);
            if (regionsClassOrder is not null)
            {
                Threshold(value, k, regionsClassOrder[k], winner);
            }
            else if (k == 0)
            {
                value.CopyTo(best);
                runnerUp.Fill(float.NegativeInfinity);
                winner.Clear();
            }
            else
            {
                SegKernels.ArgmaxUpdate(value, k, best, runnerUp, winner);
            }
        }

        ReadOnlySpan<int> output = lanes.Output;
        for (int i = 0; i < n; i++)
        {
            labels[output[i]] = (int)winner[i];
        }
    }

    /// <summary>Regions: a head that is on sets its label; later heads overwrite earlier ones; none on leaves 0.</summary>
    private static void Threshold(ReadOnlySpan<float> value, int head, int label, Span<float> result)
    {
        if (head == 0)
        {
            result.Clear();
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] > RegionHead.OnThreshold)
            {
                result[i] = label;
            }
        }
    }

    /// <summary>One thread's row buffers: the lanes, 4 scaled input rows and the per-lane sums, values and argmax.</summary>
    private sealed class RowScratch
    {
        private RowScratch(ResamplingGrid grid)
        {
            Grid = grid;
            int width = grid.OutputShape.X;
            Lanes = new TapLanes(grid.X);
            ScaledRows = new double[4 * grid.InputShape.X];
            Sums = new double[width];
            Values = new float[width];
            Best = new float[width];
            RunnerUp = new float[width];
            Winner = new float[width];
        }

        public ResamplingGrid Grid { get; }

        public TapLanes Lanes { get; }

        public double[] ScaledRows { get; }

        public double[] Sums { get; }

        public float[] Values { get; }

        public float[] Best { get; }

        public float[] RunnerUp { get; }

        public float[] Winner { get; }

        /// <summary>The thread's buffers for <paramref name="grid"/>, made anew only when the grid changes (a new case).</summary>
        public static RowScratch For(ref RowScratch? cached, ResamplingGrid grid)
        {
            if (cached?.Grid != grid)
            {
                cached = new RowScratch(grid);
            }

            return cached;
        }
    }
}
