using BenchmarkDotNet.Attributes;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// The bandwidth reference: a plain copy of a buffer much larger than L3, read once and written once. The parallel copy
/// is context only: several kernels run on every core, and one core may not saturate memory.
/// </summary>
public class MemoryCopyBenchmark
{
    private byte[] source = [];
    private byte[] destination = [];

    [GlobalSetup]
    public void Setup()
    {
        int length = checked((int)KernelSizes.Current.CopyBytes);
        source = GC.AllocateUninitializedArray<byte>(length);
        destination = GC.AllocateUninitializedArray<byte>(length);
        // Touch every page of both so the first iterations do not measure page faults.
        new Random(1).NextBytes(source);
        destination.AsSpan().Fill(0);
        var traffic = new KernelTraffic(2L * length, $"{length >> 20} MiB", "read + write of the buffer");
        TrafficTable.Register(typeof(MemoryCopyBenchmark), nameof(SpanCopyTo), traffic);
        TrafficTable.Register(typeof(MemoryCopyBenchmark), nameof(SpanCopyToOnEveryCore), traffic);
    }

    [GlobalCleanup]
    public void Cleanup() => (source, destination) = ([], []);

    [Benchmark]
    public byte SpanCopyTo()
    {
        source.AsSpan().CopyTo(destination);
        return destination[^1];
    }

    [Benchmark]
    public byte SpanCopyToOnEveryCore()
    {
        int cores = Environment.ProcessorCount;
        int chunk = (source.Length + cores - 1) / cores;
        Parallel.For(0, cores, core =>
        {
            int start = core * chunk;
            int length = Math.Min(chunk, source.Length - start);
            source.AsSpan(start, length).CopyTo(destination.AsSpan(start, length));
        });
        return destination[^1];
    }
}
