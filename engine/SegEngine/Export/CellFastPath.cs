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

    /// <summary>
    /// One row of cells: the cells of axis 2 (<paramref name="x"/>) at the fixed slices (<paramref name="low"/>,
    /// <paramref name="high"/>) and fixed row offsets (<paramref name="row0"/>, <paramref name="row1"/>, input y times width).
    /// </summary>
    public static void DecideRow(SliceSummary low, SliceSummary high, int row0, int row1, AxisCells x, Span<int> decided)
    {
        for (int cx = 0; cx < x.Count; cx++)
        {
            int x0 = x.Low[cx];
            int x1 = x.High[cx];
            int first = row0 + x0;
            ulong key = low.Key[first];
            float lowest = float.PositiveInfinity;
            float highestRunnerUp = float.NegativeInfinity;
            bool same = true;
            foreach (SliceSummary s in (ReadOnlySpan<SliceSummary>)[low, high])
            {
                foreach (int index in (ReadOnlySpan<int>)[row0 + x0, row0 + x1, row1 + x0, row1 + x1])
                {
                    same &= s.Key[index] == key;
                    lowest = Math.Min(lowest, s.Best[index]);
                    highestRunnerUp = Math.Max(highestRunnerUp, s.RunnerUp[index]);
                }
            }

            decided[cx] = same && lowest > highestRunnerUp ? low.Label[first] : Undecided;
        }
    }
}
