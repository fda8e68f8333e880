namespace SegEngine.Export;

/// <summary>
/// The input slices one <see cref="SegmentationExporter.Accept"/> call can read: those of the slab it was given (pinned
/// for that call only, classes outermost) and those retained from earlier slabs. Made per call and passed down; never store it.
/// </summary>
internal readonly unsafe struct InputPlanes(Half* slab, int slabStart, int slabSlices, int plane, SliceWindow window)
{
    public SliceClassPlanes Slice(int z) => z >= slabStart
        ? new SliceClassPlanes(slab + ((long)(z - slabStart) * plane), (long)slabSlices * plane, plane)
        : window.RetainedPlanes(z);
}
