using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Perf.Network;

/// <summary>The machine's fused multiply-add peak in GFLOP/s (2 operations per lane), one thread and every thread.</summary>
/// <param name="Width">Vector width in bits that gave the peak: 512 when Vector512 is hardware-accelerated and faster, else 256.</param>
/// <param name="SingleThread">One thread.</param>
/// <param name="AllThreads">One loop on each of <see cref="Environment.ProcessorCount"/> threads at once.</param>
/// <param name="Threads">Threads of <paramref name="AllThreads"/>.</param>
internal sealed record FmaPeak(int Width, double SingleThread, double AllThreads, int Threads)
{
    // Ten independent accumulators cover FMA latency (4–5 cycles) on two FMA ports with room to spare.
    private const int Accumulators = 10;
    private const long Iterations = 50_000_000;
    private const int Repeats = 3;

    public static FmaPeak Measure()
    {
        int threads = Environment.ProcessorCount;
        (double single, double all) = (Best(() => Loop256(Iterations), threads: 1, Vector256<float>.Count), Best(() => Loop256(Iterations), threads, Vector256<float>.Count));
        int width = 256;
        if (Vector512.IsHardwareAccelerated)
        {
            double single512 = Best(() => Loop512(Iterations), threads: 1, Vector512<float>.Count);
            double all512 = Best(() => Loop512(Iterations), threads, Vector512<float>.Count);
            if (all512 > all)
            {
                (single, all, width) = (single512, all512, 512);
            }
        }

        return new FmaPeak(width, single, all, threads);
    }

    /// <summary>
    /// The best of a few timed rounds, each running <paramref name="loop"/> on <paramref name="threads"/> dedicated
    /// threads released together (thread-pool threads could run the loops one after the other).
    /// </summary>
    private static double Best(Func<float> loop, int threads, int lanes)
    {
        double best = 0;
        float sink = 0;
        for (int round = 0; round < Repeats; round++)
        {
            float[] sums = new float[threads];
            using var start = new Barrier(threads + 1);
            Thread[] workers = [.. Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                sums[t] = loop();
            }))];
            foreach (Thread worker in workers)
            {
                worker.Start();
            }

            start.SignalAndWait();
            long begin = Stopwatch.GetTimestamp();
            foreach (Thread worker in workers)
            {
                worker.Join();
            }

            double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            sink += sums.Sum();
            double flops = 2.0 * lanes * Accumulators * Iterations * threads;
            best = Math.Max(best, flops / seconds * 1e-9);
        }

        // The sums are kept so that the JIT cannot drop the loops; they are never NaN for these constants.
        return float.IsNaN(sink) ? 0 : best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop256(long iterations)
    {
        Vector256<float> scale = Vector256.Create(0.999999f), offset = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, scale, offset);
            a1 = Vector256.FusedMultiplyAdd(a1, scale, offset);
            a2 = Vector256.FusedMultiplyAdd(a2, scale, offset);
            a3 = Vector256.FusedMultiplyAdd(a3, scale, offset);
            a4 = Vector256.FusedMultiplyAdd(a4, scale, offset);
            a5 = Vector256.FusedMultiplyAdd(a5, scale, offset);
            a6 = Vector256.FusedMultiplyAdd(a6, scale, offset);
            a7 = Vector256.FusedMultiplyAdd(a7, scale, offset);
            a8 = Vector256.FusedMultiplyAdd(a8, scale, offset);
            a9 = Vector256.FusedMultiplyAdd(a9, scale, offset);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop512(long iterations)
    {
        Vector512<float> scale = Vector512.Create(0.999999f), offset = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, scale, offset);
            a1 = Vector512.FusedMultiplyAdd(a1, scale, offset);
            a2 = Vector512.FusedMultiplyAdd(a2, scale, offset);
            a3 = Vector512.FusedMultiplyAdd(a3, scale, offset);
            a4 = Vector512.FusedMultiplyAdd(a4, scale, offset);
            a5 = Vector512.FusedMultiplyAdd(a5, scale, offset);
            a6 = Vector512.FusedMultiplyAdd(a6, scale, offset);
            a7 = Vector512.FusedMultiplyAdd(a7, scale, offset);
            a8 = Vector512.FusedMultiplyAdd(a8, scale, offset);
            a9 = Vector512.FusedMultiplyAdd(a9, scale, offset);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
    }
}
