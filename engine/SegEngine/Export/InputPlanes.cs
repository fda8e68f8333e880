namespace SegEngine.Export;

/// <summary>
/// The input slices one <see cref="SegmentationExporter.Accept"/> call can read: those of the slab it was given (borrowed
/// for that call only) and those retained from earlier slabs. Made per call and passed down; never store it.
/// </summary>
internal readonly struct InputPlanes(LogitSlab slab, (int Y, int X) slice, SliceWindow window)
{
    public SliceClassPlanes Slice(int z) => z >= slab.ZStart
        ? slab.Slice(z, slice)
        : window.RetainedPlanes(z);
}
