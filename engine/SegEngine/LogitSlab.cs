using SegEngine.Export;

namespace SegEngine;

/// <summary>
/// Slices [<see cref="ZStart"/>, <see cref="ZStart"/> + <see cref="ZCount"/>) of a case's aggregated fp16 logits, as an
/// <see cref="ILogitSlabSink"/> receives them: either one contiguous (K, zCount, Y, X) array, or one block per slice
/// holding its K class planes a fixed stride apart (the sliding window's accumulator, handed over without a copy).
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
    private readonly long classStride;

    /// <summary>The <see cref="RowTo"/> of a slab that carries its slices whole.</summary>
    public const int WholeSlices = int.MaxValue;

    private LogitSlab(int zStart, int zCount, Half* values, long length, nint[]? slices, long classStride, int rowFrom, int rowTo)
    {
        ZStart = zStart;
        ZCount = zCount;
        RowFrom = rowFrom;
        RowTo = rowTo;
        this.values = values;
        ContiguousLength = length;
        this.slices = slices;
        this.classStride = classStride;
    }

    public int ZStart { get; }

    public int ZCount { get; }

    /// <summary>The first row (axis 1, in the image) this slab carries.</summary>
    public int RowFrom { get; }

    /// <summary>One past the last row this slab carries; <see cref="WholeSlices"/> for every row.</summary>
    public int RowTo { get; }

    /// <summary>The values of a contiguous slab, for the receiver to check against K·zCount·Y·X; -1 for per-slice blocks.</summary>
    public long ContiguousLength { get; }

    /// <summary>A contiguous (K, <paramref name="zCount"/>, Y, X) slab of <paramref name="length"/> values at <paramref name="values"/>.</summary>
    public static LogitSlab Contiguous(int zStart, int zCount, Half* values, long length) => new(zStart, zCount, values, length, null, 0, 0, WholeSlices);

    /// <summary>
    /// Rows [<paramref name="rowFrom"/>, <paramref name="rowTo"/>) of slice z's class k plane at
    /// <c>slices[z − zStart] + k · classStride</c> (in values, whole planes addressed); the array is read during the call only.
    /// </summary>
    public static LogitSlab OfSlices(int zStart, int zCount, nint[] slices, long classStride, int rowFrom, int rowTo) =>
        new(zStart, zCount, null, -1, slices, classStride, rowFrom, rowTo);

    /// <summary>The rows this slab carries, for slices of <paramref name="height"/> rows.</summary>
    public (int From, int To) Rows(int height) => (RowFrom, Math.Min(RowTo, height));

    /// <summary>The K class planes of slice <paramref name="z"/>, each <paramref name="plane"/> = Y·X values.</summary>
    public SliceClassPlanes Slice(int z, int plane) => slices is null
        ? new SliceClassPlanes(values + ((long)(z - ZStart) * plane), (long)ZCount * plane, plane)
        : new SliceClassPlanes((Half*)slices[z - ZStart], classStride, plane);
}
