using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SegEngine.Perf.Kernels;

/// <summary>Throughput of a measured benchmark from its mean time and its registered traffic, absolute and against the copy baseline.</summary>
internal static class Bandwidth
{
    /// <summary>GB/s (10^9 bytes per second) of read+write traffic, or null when the case has no result or no traffic.</summary>
    public static double? GigabytesPerSecond(Summary summary, BenchmarkCase benchmark)
    {
        double? mean = summary[benchmark]?.ResultStatistics?.Mean;
        KernelTraffic? traffic = TrafficTable.For(benchmark);
        // Bytes per nanosecond is GB/s.
        return mean is > 0 && traffic is not null ? traffic.Bytes / mean.Value : null;
    }

    /// <summary>The single-threaded memory copy's read+write bandwidth in this run, the reference of every percentage.</summary>
    public static double? CopyGigabytesPerSecond(Summary summary)
    {
        BenchmarkCase? copy = summary.BenchmarksCases.FirstOrDefault(
            c => c.Descriptor.Type == typeof(MemoryCopyBenchmark) && c.Descriptor.WorkloadMethod.Name == nameof(MemoryCopyBenchmark.SpanCopyTo));
        return copy is null ? null : GigabytesPerSecond(summary, copy);
    }

    /// <summary>Throughput as a percentage of the copy bandwidth.</summary>
    public static double? PercentOfCopy(Summary summary, BenchmarkCase benchmark) =>
        GigabytesPerSecond(summary, benchmark) is double own && CopyGigabytesPerSecond(summary) is double copy ? 100 * own / copy : null;
}
