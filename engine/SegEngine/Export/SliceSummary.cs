namespace SegEngine.Export;

/// <summary>
/// One input slice boiled down to what the cell fast path needs, independent of the class count K: per voxel the
/// winning class (labels) or on-mask (regions), the winner's value and the runner-up's.
/// </summary>
/// <remarks>
/// Filled by <see cref="SliceSummarizer"/>, read by <see cref="CellFastPath"/>; docs/fused-export.md. With labels the
/// winning class is the label itself, so only regions keep a separate key. <see cref="SliceWindow"/> reuses its
/// summaries from slice to slice: a whole tile row's slices may be summarised at once, more arrays than a shared pool
/// keeps, and the ones it would drop stay resident until a full collection.
/// </remarks>
internal sealed class SliceSummary
{
    public SliceSummary(int voxels, bool regions)
    {
        Key = regions ? GC.AllocateUninitializedArray<ulong>(voxels) : [];
        Best = GC.AllocateUninitializedArray<float>(voxels);
        RunnerUp = GC.AllocateUninitializedArray<float>(voxels);
        Label = GC.AllocateUninitializedArray<ushort>(voxels);
    }

    /// <summary>What two voxels must share for the same decision with regions: the on-mask of the heads; empty with labels.</summary>
    public ulong[] Key { get; }

    /// <summary>The winner's value; +∞ for decidable regions (−∞ when there are over 64 heads, so no cell is decided).</summary>
    public float[] Best { get; }

    /// <summary>The largest value of the other classes; −∞ for decidable regions (+∞ otherwise).</summary>
    public float[] RunnerUp { get; }

    /// <summary>The label the voxel alone would get.</summary>
    public ushort[] Label { get; }

    /// <summary>The bytes a summary of <paramref name="voxels"/> holds: best (4), runner-up (4), label (2) and, with regions, the key (8).</summary>
    public static long BytesFor(int voxels, bool regions) => (long)voxels * (regions ? 18 : 10);

    public long Bytes => (Key.Length * 8L) + (Best.Length * 4L) + (RunnerUp.Length * 4L) + (Label.Length * 2L);
}
