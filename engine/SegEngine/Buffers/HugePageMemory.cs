using System.Runtime.InteropServices;

namespace SegEngine.Buffers;

/// <summary>
/// Zeroed native memory in whole transparent huge pages (<see cref="PageAdvice.PreferHugePages"/>): on Linux an
/// anonymous mapping aligned to them, elsewhere calloc. Nothing is committed until written, so the huge pages never
/// touched are never resident.
/// </summary>
internal static unsafe partial class HugePageMemory
{
    private const int ProtectReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;

    /// <summary><paramref name="bytes"/> (a multiple of <see cref="PageAdvice.HugePageBytes"/>) of zeroed memory; free it with <see cref="Free"/>.</summary>
    public static void* Allocate(long bytes)
    {
        if (bytes <= 0 || bytes % PageAdvice.HugePageBytes != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"a whole number of {PageAdvice.HugePageBytes}-byte pages is needed");
        }

        if (!OperatingSystem.IsLinux())
        {
            return NativeMemory.AllocZeroed((nuint)bytes);
        }

        // Map one huge page more than asked and unmap what lies outside the aligned range.
        nint mapped = Mmap(0, (nuint)(bytes + PageAdvice.HugePageBytes), ProtectReadWrite, MapPrivateAnonymous, -1, 0);
        if (mapped == -1)
        {
            throw new OutOfMemoryException($"the OS refused {bytes} bytes of memory (mmap errno {Marshal.GetLastSystemError()})");
        }

        nint start = (nint)PageAdvice.RoundUpToHugePage(mapped);
        if (start > mapped)
        {
            _ = Munmap(mapped, (nuint)(start - mapped));
        }

        nint end = mapped + (nint)(bytes + PageAdvice.HugePageBytes);
        if (end > start + (nint)bytes)
        {
            _ = Munmap(start + (nint)bytes, (nuint)(end - (start + (nint)bytes)));
        }

        PageAdvice.PreferHugePages(start, bytes);
        return (void*)start;
    }

    /// <summary>Frees memory from <see cref="Allocate"/> of <paramref name="bytes"/>.</summary>
    public static void Free(void* memory, long bytes)
    {
        if (!OperatingSystem.IsLinux())
        {
            NativeMemory.Free(memory);
            return;
        }

        _ = Munmap((nint)memory, (nuint)bytes);
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int descriptor, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
