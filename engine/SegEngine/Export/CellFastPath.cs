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
    /// where the 4 keys differ, which fails every margin test), so each cell reads 2 columns instead of 8 taps. The key is
    /// the label with labels, the on-mask with regions.
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
        ReadOnlySpan<ushort> label = low.Label.AsSpan(row0, width);
        if (low.Key.Length > 0)
        {
            ReadOnlySpan<ulong> key = low.Key.AsSpan(row0, width);
            FailWhereKeysDiffer(key, low.Key.AsSpan(row1, width), high.Key.AsSpan(row0, width), high.Key.AsSpan(row1, width), best);
            Decide(key, label, best, runnerUp, x, decided);
        }
        else
        {
            FailWhereKeysDiffer(label, low.Label.AsSpan(row1, width), high.Label.AsSpan(row0, width), high.Label.AsSpan(row1, width), best);
            Decide(label, label, best, runnerUp, x, decided);
        }
    }

    /// <summary>A best of −∞ (which fails every margin test) where the 4 rows' keys differ.</summary>
    private static void FailWhereKeysDiffer<TKey>(
        ReadOnlySpan<TKey> key, ReadOnlySpan<TKey> key1, ReadOnlySpan<TKey> key2, ReadOnlySpan<TKey> key3, Span<float> best)
        where TKey : IEquatable<TKey>
    {
        for (int i = 0; i < best.Length; i++)
        {
            TKey k = key[i];
            if (!key1[i].Equals(k) | !key2[i].Equals(k) | !key3[i].Equals(k))
            {
                best[i] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>Each cell from its two folded columns: their keys equal and min(best) > max(runner-up).</summary>
    private static void Decide<TKey>(
        ReadOnlySpan<TKey> key, ReadOnlySpan<ushort> label, ReadOnlySpan<float> best, ReadOnlySpan<float> runnerUp, AxisCells x, Span<int> decided)
        where TKey : IEquatable<TKey>
    {
        for (int cx = 0; cx < x.Count; cx++)
        {
            int x0 = x.Low[cx];
            int x1 = x.High[cx];
            // Summaries hold no NaN.
            float lowest = Math.Min(best[x0], best[x1]);
            bool margin = (lowest > runnerUp[x0]) & (lowest > runnerUp[x1]);
            decided[cx] = key[x0].Equals(key[x1]) & margin ? label[x0] : Undecided;
        }
    }
}
