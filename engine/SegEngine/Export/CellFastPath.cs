using System.Numerics.Tensors;

namespace SegEngine.Export;

/// <summary>
/// Decides whole cells from the slice summaries alone: when the 8 taps of a cell agree on the winner (or the region
/// on-mask) with a strict margin, every output voxel of the cell gets that label without any per-class work.
/// </summary>
/// <remarks>Why the margin suffices (and must be strict): docs/fused-export.md, "The cell fast path".</remarks>
internal static class CellFastPath
{
    /// <summary>The label a cell's voxels get without per-class work, or −1 where <see cref="ExactVoxel"/> must decide.</summary>
    public const int Undecided = -1;

    /// <summary>This thread's column summaries, kept from row to row (cell rows are decided on pool threads, in parallel).</summary>
    [ThreadStatic]
    private static float[]? columns;

    /// <summary>
    /// One row of cells: the cells of axis 2 (<paramref name="x"/>) at the fixed slices (<paramref name="low"/>,
    /// <paramref name="high"/>) and fixed row offsets (<paramref name="row0"/>, <paramref name="row1"/>, input y times
    /// <paramref name="width"/>, the input row length).
    /// </summary>
    /// <remarks>
    /// The 4 input rows are first folded into one per input x (the smallest best, the largest runner-up, and a best of −∞
    /// where the 4 keys differ, which fails every margin test), so each cell reads 2 columns instead of 8 taps.
    /// </remarks>
    public static void DecideRow(SliceSummary low, SliceSummary high, int row0, int row1, int width, AxisCells x, Span<int> decided)
    {
        if (columns is null || columns.Length < 2 * width)
        {
            columns = new float[2 * width];
        }

        Span<float> best = columns.AsSpan(0, width);
        Span<float> runnerUp = columns.AsSpan(width, width);
        TensorPrimitives.Min(low.Best.AsSpan(row0, width), low.Best.AsSpan(row1, width), best);
        TensorPrimitives.Min(best, high.Best.AsSpan(row0, width), best);
        TensorPrimitives.Min(best, high.Best.AsSpan(row1, width), best);
        TensorPrimitives.Max(low.RunnerUp.AsSpan(row0, width), low.RunnerUp.AsSpan(row1, width), runnerUp);
        TensorPrimitives.Max(runnerUp, high.RunnerUp.AsSpan(row0, width), runnerUp);
        TensorPrimitives.Max(runnerUp, high.RunnerUp.AsSpan(row1, width), runnerUp);
        ReadOnlySpan<ulong> key = low.Key.AsSpan(row0, width);
        ReadOnlySpan<ulong> key1 = low.Key.AsSpan(row1, width);
        ReadOnlySpan<ulong> key2 = high.Key.AsSpan(row0, width);
        ReadOnlySpan<ulong> key3 = high.Key.AsSpan(row1, width);
        for (int i = 0; i < width; i++)
        {
            ulong k = key[i];
            if ((key1[i] != k) | (key2[i] != k) | (key3[i] != k))
            {
                best[i] = float.NegativeInfinity;
            }
        }

        ReadOnlySpan<ushort> label = low.Label.AsSpan(row0, width);
        for (int cx = 0; cx < x.Count; cx++)
        {
            int x0 = x.Low[cx];
            int x1 = x.High[cx];
            // min(best) > max(runner-up) over the two columns; summaries hold no NaN.
            float lowest = Math.Min(best[x0], best[x1]);
            bool margin = (lowest > runnerUp[x0]) & (lowest > runnerUp[x1]);
            decided[cx] = (key[x0] == key[x1]) & margin ? label[x0] : Undecided;
        }
    }
}
