namespace SegEngine.Export;

/// <summary>
/// The K class planes (y·x fp16 each) of one input slice, in a slab borrowed for one call or in a retained copy.
/// Valid only during the <see cref="SegmentationExporter.Accept"/> call that made it; never store it.
/// </summary>
internal readonly unsafe struct SliceClassPlanes(Half* first, long classStride, int plane)
{
    public ReadOnlySpan<Half> Class(int k) => new(first + (k * classStride), plane);
}
