using System.Runtime.InteropServices;

namespace SegEngine.Buffers;

/// <summary>
/// Page-aligned native blocks whose pages can be handed back to the OS while the block is kept: on Linux an anonymous
/// private mapping, where a discarded page costs nothing until it is touched again and then reads as zero. Elsewhere a
/// plain aligned allocation, cleared instead of discarded.
/// </summary>
/// <remarks>
/// The sliding window's accumulator keeps a block per slice for a slice's whole life, but most of a slice is final
/// (and handed to the export) long before the slice is: discarding those rows is what keeps its resident memory to
/// the rows still being summed.
/// </remarks>
internal static unsafe partial class ZeroedPages
{
    private const int ProtectReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;
    private const int AdviseDontNeed = 4;

    /// <summary>A zeroed block of <paramref name="bytes"/>, starting on a page.</summary>
    public static void* Allocate(nuint bytes)
    {
        if (OperatingSystem.IsLinux())
        {
            nint block = Map(0, bytes, ProtectReadWrite, MapPrivateAnonymous, -1, 0);
            if (block == -1)
            {
                throw new OutOfMemoryException($"mmap of {bytes} bytes failed (errno {Marshal.GetLastSystemError()})");
            }

            return (void*)block;
        }

        void* memory = NativeMemory.AlignedAlloc(bytes, (nuint)Environment.SystemPageSize);
        NativeMemory.Clear(memory, bytes);
        return memory;
    }

    /// <summary>Makes the whole block zero again, its pages given back to the OS where it can.</summary>
    public static void Rezero(void* block, nuint bytes)
    {
        if (!OperatingSystem.IsLinux() || Advise((nint)block, bytes, AdviseDontNeed) != 0)
        {
            NativeMemory.Clear(block, bytes);
        }
    }

    /// <summary>
    /// Gives back the pages lying wholly inside [<paramref name="start"/>, +<paramref name="bytes"/>): the caller no longer
    /// reads that range. Its contents are undefined afterwards (zero on Linux, unchanged elsewhere).
    /// </summary>
    public static void Discard(void* start, nuint bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        nuint page = (nuint)Environment.SystemPageSize;
        nuint first = ((nuint)start + page - 1) & ~(page - 1);
        nuint end = ((nuint)start + bytes) & ~(page - 1);
        if (end > first)
        {
            // A failed advice only keeps the pages resident; nothing reads them either way.
            _ = Advise((nint)first, end - first, AdviseDontNeed);
        }
    }

    public static void Free(void* block, nuint bytes)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Unmap((nint)block, bytes);
        }
        else
        {
            NativeMemory.AlignedFree(block);
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Map(nint address, nuint length, int protection, int flags, int descriptor, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Unmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Advise(nint address, nuint length, int advice);
}
