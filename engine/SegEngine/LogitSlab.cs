using SegEngine.Export;

namespace SegEngine;

/// <summary>
/// Slices [<see cref="ZStart"/>, <see cref="ZStart"/> + <see cref="ZCount"/>) of a case's aggregated fp16 logits, as an
/// <see cref="ILogitSlabSink"/> receives them: either one contiguous (K, zCount, Y, X) array, or per slice the chunks of
/// rows it lies in (the sliding window's accumulator, handed over without a copy).
/// Borrowed for one <see cref="ILogitSlabSink.Accept"/> call: its memory is pinned or native only for that long.
/// </summary>
/// <remarks>
/// A slab may carry only rows [<see cref="RowFrom"/>, <see cref="RowTo"/>) of its slices (a band: the sliding window
/// hands a tile row's slices over band by band as the row's tiles finish them). The bands of one set of slices come in
/// order, each in its own call, and in that call the band's rows and the row just before it are readable; earlier rows
/// may be gone.
/// </remarks>
internal readonly unsafe struct LogitSlab
{
    private readonly Half* values;
    private readonly nint[]? slices;
    private readonly int chunkShift;
    private readonly long classStride;
    private readonly int rowStride;
    private readonly int rowOffset;

    /// <summary>The <see cref="RowTo"/> of a slab that carries its slices whole.</summary>
    public const int WholeSlices = int.MaxValue;

    private LogitSlab(
        int zStart, int zCount, Half* values, long length, nint[]? slices, int chunkShift, long classStride, int rowStride, int rowOffset, int rowFrom, int rowTo)
    {
        ZStart = zStart;
        ZCount = zCount;
        RowFrom = rowFrom;
        RowTo = rowTo;
        this.values = values;
        ContiguousLength = length;
        this.slices = slices;
        this.chunkShift = chunkShift;
        this.classStride = classStride;
        this.rowStride = rowStride;
        this.rowOffset = rowOffset;
    }

    public int ZStart { get; }

    public int ZCount { get; }

    /// <summary>The first row (axis 1, in the image) this slab carries.</summary>
    public int RowFrom { get; }

    /// <summary>One past the last row this slab carries; <see cref="WholeSlices"/> for every row.</summary>
    public int RowTo { get; }

    /// <summary>The values of a contiguous slab, for the receiver to check against K·zCount·Y·X; -1 for chunked slices.</summary>
    public long ContiguousLength { get; }

    /// <summary>A contiguous (K, <paramref name="zCount"/>, Y, X) slab of <paramref name="length"/> values at <paramref name="values"/>.</summary>
    public static LogitSlab Contiguous(int zStart, int zCount, Half* values, long length) =>
        new(zStart, zCount, values, length, null, 0, 0, 0, 0, 0, WholeSlices);

    /// <summary>
    /// Rows [<paramref name="rowFrom"/>, <paramref name="rowTo"/>) of slices whose rows lie in chunks, slice z's chunk table
    /// at <c>chunkTables[z − zStart]</c> (<see cref="SliceClassPlanes.InChunks"/> says how a row is found); the array is
    /// read during the call only.
    /// </summary>
    public static LogitSlab InChunks(
        int zStart, int zCount, nint[] chunkTables, int chunkShift, long classStride, int rowStride, int rowOffset, int rowFrom, int rowTo) =>
        new(zStart, zCount, null, -1, chunkTables, chunkShift, classStride, rowStride, rowOffset, rowFrom, rowTo);

    /// <summary>The rows this slab carries, for slices of <paramref name="height"/> rows.</summary>
    public (int From, int To) Rows(int height) => (RowFrom, Math.Min(RowTo, height));

    /// <summary>The K class planes of slice <paramref name="z"/> of a case whose slices are <paramref name="slice"/> (y, x).</summary>
    public SliceClassPlanes Slice(int z, (int Y, int X) slice) => slices is null
        ? SliceClassPlanes.Contiguous(values + ((long)(z - ZStart) * slice.Y * slice.X), (long)ZCount * slice.Y * slice.X, slice.X)
        : SliceClassPlanes.InChunks((nint*)slices[z - ZStart], chunkShift, classStride, rowStride, rowOffset, slice.X);
}
