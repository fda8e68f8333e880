using System.Runtime.InteropServices;

namespace SegEngine.Server.Admission;

/// <summary>
/// glibc's malloc, which holds the native allocations of ONNX Runtime and the codecs. By default it gives threads up to
/// eight arenas per core, each keeping the pages its freed blocks leave: a server whose predictions run on threads of
/// their own spreads them over every arena and grows by their fragmentation (measured on two cores, after each burst's
/// trim: +10 MiB over 200 concurrent requests with the default arenas, +2 MiB with two). Elsewhere (musl, other systems)
/// both calls do nothing.
/// </summary>
internal static partial class NativeHeaps
{
    /// <summary>Arenas a serving process uses: the main one and one more, enough for two predictions and Kestrel.</summary>
    private const int ServingArenas = 2;

    private const int ArenaMax = -8;

    /// <summary>
    /// Caps the arenas at <see cref="ServingArenas"/> for the whole process (<c>segengine serve</c> calls it first). glibc
    /// fixes its limit when the ninth arena would be made, so this runs before the server starts its threads; arenas made
    /// before it stay in use. <c>MALLOC_ARENA_MAX</c>, set before the process starts, does the same.
    /// </summary>
    public static void LimitArenas() => Call(() => MallOpt(ArenaMax, ServingArenas));

    /// <summary>Returns every arena's free pages to the system.</summary>
    public static void Trim() => Call(() => MallocTrim(0));

    private static void Call(Func<int> call)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            _ = call();
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc: its allocator is left as it is.
        }
        catch (DllNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
