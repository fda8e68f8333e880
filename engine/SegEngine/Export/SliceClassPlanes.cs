using System.Runtime.CompilerServices;

namespace SegEngine.Export;

/// <summary>
/// The K class planes of one input slice, read a row at a time: either contiguous planes (a slab, a retained copy, a
/// whole volume) or the sliding window's accumulator chunks, where image row y lies in padded row y + rowOffset, chunk
/// (y + rowOffset) ≫ chunkShift, and the classes of a row are classStride apart within its chunk.
/// Valid only while the memory it was made from is; never store it.
/// </summary>
internal readonly unsafe struct SliceClassPlanes
{
    private readonly Half* first;
    private readonly nint* chunks;
    private readonly int chunkShift;
    private readonly long classStride;
    private readonly int rowStride;
    private readonly int rowOffset;
    private readonly int width;

    private SliceClassPlanes(Half* first, nint* chunks, int chunkShift, long classStride, int rowStride, int rowOffset, int width)
    {
        this.first = first;
        this.chunks = chunks;
        this.chunkShift = chunkShift;
        this.classStride = classStride;
        this.rowStride = rowStride;
        this.rowOffset = rowOffset;
        this.width = width;
    }

    /// <summary>Planes of rows <paramref name="width"/> values long, one after the other within a plane, planes <paramref name="classStride"/> values apart.</summary>
    public static SliceClassPlanes Contiguous(Half* first, long classStride, int width) => new(first, null, 0, classStride, width, 0, width);

    /// <summary>
    /// Rows of <paramref name="width"/> values in chunks of 2^<paramref name="chunkShift"/> rows <paramref name="rowStride"/>
    /// apart, image row y at chunk row y + <paramref name="rowOffset"/>, classes <paramref name="classStride"/> apart in a chunk.
    /// </summary>
    public static SliceClassPlanes InChunks(nint* chunks, int chunkShift, long classStride, int rowStride, int rowOffset, int width) =>
        new(null, chunks, chunkShift, classStride, rowStride, rowOffset, width);

    /// <summary>Row <paramref name="y"/> of class <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<Half> Row(int k, int y)
    {
        int row = y + rowOffset;
        Half* start = chunks == null
            ? first + ((long)row * rowStride)
            : (Half*)chunks[row >> chunkShift] + ((long)(row & ((1 << chunkShift) - 1)) * rowStride);
        return new(start + (k * classStride), width);
    }
}
