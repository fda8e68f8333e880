using System.Runtime.Intrinsics.X86;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    private const int CacheLineBytes = 64;

    /// <summary>
    /// Asks the CPU to bring <paramref name="data"/> into every cache level; a hint with no effect on results, and a no-op
    /// where SSE is not available.
    /// </summary>
    /// <remarks>
    /// The sliding window adds each tile row into a slab row about 1 KiB away from the previous one; the hardware
    /// prefetchers do not follow that stride, and on a 512-wide CT prefetching a few rows ahead doubles the aggregation's
    /// throughput (perf/ AggregationBenchmark).
    /// </remarks>
    public static unsafe void Prefetch<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        if (!Sse.IsSupported || data.IsEmpty)
        {
            return;
        }

        int bytes = data.Length * sizeof(T);
        fixed (T* start = data)
        {
            for (int offset = 0; offset < bytes; offset += CacheLineBytes)
            {
                Sse.Prefetch0((byte*)start + offset);
            }
        }
    }
}
