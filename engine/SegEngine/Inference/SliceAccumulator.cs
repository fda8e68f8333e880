using System.Runtime.InteropServices;
using SegEngine.Buffers;

namespace SegEngine.Inference;

/// <summary>
/// The sliding window's fp16 sums, one native block per padded axis-0 slice: <see cref="Planes"/> planes of
/// <see cref="PlaneLength"/> values (each fold's K class planes, then the Gaussian weights). A slice is held from the
/// first tile row that touches it until it is final and handed to the export; released blocks are reused, so the
/// memory is that of the most slices ever held at once: one patch depth while a tile row runs, and between rows only
/// the partial sums that wait for the next row. Rows of a held slice that are final and handed over can be discarded
/// (<see cref="Discard"/>), so a slice finished band by band gives its memory back as it goes.
/// </summary>
/// <remarks>
/// Native blocks keep fixed addresses, so a finished slice is handed to the sink in place (<see cref="LogitSlab.OfSlices"/>).
/// Blocks are <see cref="ZeroedPages"/>, zero when first mapped; a released block is zeroed again before reuse.
/// </remarks>
internal sealed unsafe class SliceAccumulator : IDisposable
{
    private readonly nint[] held;

    // Whether a held slice has had rows discarded, so that its block is zeroed by giving its pages back.
    private readonly bool[] discarded;
    private readonly Stack<nint> free = new();
    private readonly nuint blockBytes;

    public SliceAccumulator(int slices, int planes, int planeLength)
    {
        if ((long)planes * planeLength > int.MaxValue)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported, $"{planes} planes of {planeLength} values per slice exceed the largest span .NET can address");
        }

        held = new nint[slices];
        discarded = new bool[slices];
        Planes = planes;
        PlaneLength = planeLength;
        blockBytes = (nuint)planes * (nuint)planeLength * sizeof(ushort);
    }

    public int Planes { get; }

    public int PlaneLength { get; }

    /// <summary>The bytes <paramref name="rows"/> held rows of <paramref name="rowLength"/> values take in each of <paramref name="planes"/> planes; the memory plan's figure.</summary>
    public static long BytesFor(long rows, long planes, long rowLength) => rows * planes * rowLength * sizeof(ushort);

    /// <summary>Holds every slice of [<paramref name="from"/>, <paramref name="to"/>) not yet held, zeroed.</summary>
    public void Hold(int from, int to)
    {
        for (int z = from; z < to; z++)
        {
            if (held[z] != 0)
            {
                continue;
            }

            nint block;
            if (!free.TryPop(out block))
            {
                block = (nint)ZeroedPages.Allocate(blockBytes);
            }

            held[z] = block;
        }
    }

    /// <summary>The first value of slice <paramref name="z"/>'s block (plane 0).</summary>
    public nint Block(int z) => held[z] != 0 ? held[z] : throw new InvalidOperationException($"slice {z} is not held");

    /// <summary>Plane <paramref name="plane"/> of held slice <paramref name="z"/>.</summary>
    public Span<Half> Plane(int z, int plane) => new((Half*)Block(z) + ((long)plane * PlaneLength), PlaneLength);

    /// <summary>
    /// Slice <paramref name="z"/> no longer needs values [<paramref name="from"/>, <paramref name="to"/>) of planes
    /// [<paramref name="firstPlane"/>, +<paramref name="planes"/>): their whole pages go back to the OS.
    /// </summary>
    public void Discard(int z, int firstPlane, int planes, long from, long to)
    {
        if (to <= from)
        {
            return;
        }

        Half* block = (Half*)Block(z);
        discarded[z] = true;
        for (int p = firstPlane; p < firstPlane + planes; p++)
        {
            ZeroedPages.Discard(block + ((long)p * PlaneLength) + from, (nuint)(to - from) * sizeof(ushort));
        }
    }

    /// <summary>
    /// Gives slice <paramref name="z"/>'s block back, zeroed, for reuse by a later slice: cleared in place if it was
    /// held whole (its pages stay resident for the next slice, which costs no page faults), or by giving its pages back
    /// if rows were discarded (what was given back stays given back until a later slice touches it).
    /// </summary>
    public void Release(int z)
    {
        nint block = Block(z);
        if (discarded[z])
        {
            ZeroedPages.Rezero((void*)block, blockBytes);
        }
        else
        {
            NativeMemory.Clear((void*)block, blockBytes);
        }

        discarded[z] = false;
        free.Push(block);
        held[z] = 0;
    }

    public void Dispose()
    {
        for (int z = 0; z < held.Length; z++)
        {
            if (held[z] != 0)
            {
                free.Push(held[z]);
                held[z] = 0;
            }
        }

        while (free.TryPop(out nint block))
        {
            ZeroedPages.Free((void*)block, blockBytes);
        }
    }
}
