using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SegEngine.Buffers;

namespace SegEngine.Inference;

/// <summary>
/// The sliding window's fp16 sums over the padded volume, held in chunks of <see cref="ChunkRows"/> padded rows: chunk c
/// of slice z holds rows [c·R, (c+1)·R) of all its planes (each fold's K class planes, then the Gaussian
/// weights), plane after plane. A chunk is taken when the first tile touches its rows and given back once its rows are
/// final and handed over, whole slices at a time or, band by band, the chunks below a band. Given-back chunks are cleared
/// and reused, so the memory is that of the most chunks ever held at once and is never faulted in twice.
/// </summary>
/// <remarks>
/// Chunks are native and keep fixed addresses, so finished rows are handed to the sink in place: a slice's chunk table
/// (<see cref="ChunkTable"/>) is what a <see cref="LogitSlab"/> carries. Chunks rather than whole slice blocks because
/// a slice handed over band by band frees its rows long before it is final: recycling them here is 20 times cheaper than
/// handing their pages to the OS and faulting them in again (4.5 µs a page in our VMs). New chunks are cut in order from
/// slabs of huge pages (<see cref="HugePageMemory"/>): their first touch faults 2 MiB at a time, which took 0.8 s of
/// the K = 14 realistic CT's aggregation and 9 s of K = 118's in small pages, and the tiles' strided rows miss the TLB less.
/// </remarks>
internal sealed unsafe class SliceAccumulator : IDisposable
{
    /// <summary>log2 of <see cref="ChunkRows"/>.</summary>
    public const int ChunkRowsShift = 3;

    /// <summary>Padded rows per chunk: fine enough that a band frees nearly all its rows, coarse enough that a chunk is hundreds of kilobytes at many classes.</summary>
    public const int ChunkRows = 1 << ChunkRowsShift;

    /// <summary>Chunks are cut from slabs of at least this many bytes: few mappings, and huge pages nearly filled.</summary>
    private const long SlabTargetBytes = 32L << 20;

    // Every slice's chunk table, slice after slice: a chunk's address, or 0 while it is not held.
    private nint* table;
    private readonly int chunksPerSlice;
    private readonly int slices;
    private readonly Stack<nint> free = new();
    private readonly List<nint> slabs = [];
    private readonly nuint chunkBytes;
    private readonly long slabBytes;
    private readonly int chunksPerSlab;

    // The next never-used chunk of the newest slab.
    private int slabChunksCut;

    public SliceAccumulator(int slices, int planes, int rows, int rowLength)
    {
        if ((long)planes * ChunkRows * rowLength > int.MaxValue)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported, $"{planes} planes of rows of {rowLength} values exceed the largest span .NET can address");
        }

        this.slices = slices;
        chunksPerSlice = ChunksCovering(rows);
        table = (nint*)NativeMemory.AllocZeroed((nuint)slices * (nuint)chunksPerSlice, (nuint)sizeof(nint));
        Rows = rows;
        RowLength = rowLength;
        chunkBytes = (nuint)BytesFor(ChunkRows, planes, rowLength);
        slabBytes = PageAdvice.RoundUpToHugePage(Math.Max(SlabTargetBytes, (long)chunkBytes));
        chunksPerSlab = (int)(slabBytes / (long)chunkBytes);
        slabChunksCut = chunksPerSlab;
    }

    /// <summary>Padded rows per slice.</summary>
    public int Rows { get; }

    /// <summary>Values per row.</summary>
    public int RowLength { get; }

    /// <summary>Values between the same row of consecutive planes in a chunk.</summary>
    public long PlaneStride => (long)ChunkRows * RowLength;

    /// <summary>The chunks that cover rows [0, <paramref name="rows"/>).</summary>
    public static int ChunksCovering(int rows) => (rows + ChunkRows - 1) >> ChunkRowsShift;

    /// <summary>The chunks wholly below row <paramref name="row"/>.</summary>
    public static int ChunksBelow(int row) => Math.Max(0, row) >> ChunkRowsShift;

    /// <summary>The bytes <paramref name="rows"/> held rows of <paramref name="rowLength"/> values take in each of <paramref name="planes"/> planes; the memory plan's figure.</summary>
    public static long BytesFor(long rows, long planes, long rowLength) => rows * planes * rowLength * sizeof(ushort);

    /// <summary>Holds the chunks of rows [<paramref name="rowFrom"/>, <paramref name="rowTo"/>) of slices [<paramref name="from"/>, <paramref name="to"/>) not yet held, zeroed.</summary>
    public void Hold(int from, int to, int rowFrom, int rowTo)
    {
        for (int z = from; z < to; z++)
        {
            nint* chunks = SliceTable(z);
            for (int c = rowFrom >> ChunkRowsShift; c < ChunksCovering(Math.Min(rowTo, Rows)); c++)
            {
                if (chunks[c] == 0)
                {
                    chunks[c] = free.TryPop(out nint chunk) ? chunk : CutChunk();
                }
            }
        }
    }

    /// <summary>The address of slice <paramref name="z"/>'s chunk table (<see cref="ChunksCovering"/>(<see cref="Rows"/>) addresses, 0 where not held), valid while the accumulator lives.</summary>
    public nint ChunkTable(int z) => (nint)SliceTable(z);

    /// <summary>Row <paramref name="row"/> of plane <paramref name="plane"/> of slice <paramref name="z"/>, whose chunk must be held.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<Half> Row(int z, int plane, int row)
    {
        nint chunk = SliceTable(z)[row >> ChunkRowsShift];
        if (chunk == 0)
        {
            throw new InvalidOperationException($"row {row} of slice {z} is not held");
        }

        return new((Half*)chunk + (plane * PlaneStride) + ((long)(row & (ChunkRows - 1)) * RowLength), RowLength);
    }

    /// <summary>Slice <paramref name="z"/> no longer needs its rows below <paramref name="row"/>: the chunks wholly below it go back, zeroed.</summary>
    public void ReleaseBelow(int z, int row)
    {
        nint* chunks = SliceTable(z);
        for (int c = 0; c < Math.Min(ChunksBelow(row), chunksPerSlice); c++)
        {
            if (chunks[c] != 0)
            {
                NativeMemory.Clear((void*)chunks[c], chunkBytes);
                free.Push(chunks[c]);
                chunks[c] = 0;
            }
        }
    }

    /// <summary>Gives every chunk of slice <paramref name="z"/> back, zeroed, for later slices.</summary>
    public void Release(int z) => ReleaseBelow(z, chunksPerSlice * ChunkRows);

    public void Dispose()
    {
        if (table == null)
        {
            return;
        }

        for (long i = 0; i < (long)slices * chunksPerSlice; i++)
        {
            if (table[i] != 0)
            {
                free.Push(table[i]);
                table[i] = 0;
            }
        }

        free.Clear();
        foreach (nint slab in slabs)
        {
            HugePageMemory.Free((void*)slab, slabBytes);
        }

        slabs.Clear();

        NativeMemory.Free(table);
        table = null;
    }

    /// <summary>A never-used (zero) chunk, from a new slab when the newest is used up. Chunks are cut in address order, so only the used part of a slab is ever resident.</summary>
    private nint CutChunk()
    {
        if (slabChunksCut == chunksPerSlab)
        {
            slabs.Add((nint)HugePageMemory.Allocate(slabBytes));
            slabChunksCut = 0;
        }

        return slabs[^1] + (nint)((long)slabChunksCut++ * (long)chunkBytes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private nint* SliceTable(int z) =>
        (uint)z < (uint)slices ? table + ((long)z * chunksPerSlice) : throw new ArgumentOutOfRangeException(nameof(z), z, $"the accumulator has {slices} slices");
}
