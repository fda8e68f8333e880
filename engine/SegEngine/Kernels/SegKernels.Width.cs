using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    private static readonly VectorWidth HardwareWidth =
        Vector512.IsHardwareAccelerated ? VectorWidth.Vector512
        : Vector256.IsHardwareAccelerated ? VectorWidth.Vector256
        : VectorWidth.Scalar;

    [ThreadStatic]
    private static VectorWidth? forcedWidth;

    /// <summary>Set by the first <see cref="ForceWidth"/>; until then no kernel call pays for the thread-local read.</summary>
    private static bool anyWidthForced;

    /// <summary>The widest vectors the kernels use on this thread: the hardware's, unless <see cref="ForceWidth"/> chose another.</summary>
    /// <remarks>Inlined: the export calls its kernels millions of times on short rows, where a call here showed in profiles (2 %).</remarks>
    internal static VectorWidth Width
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => anyWidthForced ? forcedWidth ?? HardwareWidth : HardwareWidth;
    }

    /// <summary>
    /// Test hook: this thread's kernels use exactly <paramref name="width"/> until the result is disposed, so every path
    /// is exercised on any machine (a width the CPU lacks runs emulated, slowly but with the same lane arithmetic).
    /// </summary>
    /// <remarks>Per thread, so tests running in parallel never see each other's choice.</remarks>
    internal static ForcedWidth ForceWidth(VectorWidth width)
    {
        var previous = new ForcedWidth(forcedWidth);
        forcedWidth = width;
        anyWidthForced = true;
        return previous;
    }

    /// <summary>Restores the width that was in force before <see cref="ForceWidth"/>.</summary>
    internal readonly struct ForcedWidth(VectorWidth? previous) : IDisposable
    {
        public void Dispose() => forcedWidth = previous;
    }
}
