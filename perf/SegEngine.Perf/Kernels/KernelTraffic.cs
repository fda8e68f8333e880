using System.Collections.Concurrent;
using BenchmarkDotNet.Running;

namespace SegEngine.Perf.Kernels;

/// <summary>What one benchmark invocation must move through memory, and how that was counted.</summary>
/// <param name="Bytes">Bytes read plus bytes written by one invocation.</param>
/// <param name="Size">The problem size, for people.</param>
/// <param name="Accounting">Which reads and writes <paramref name="Bytes"/> counts.</param>
internal sealed record KernelTraffic(long Bytes, string Size, string Accounting);

/// <summary>
/// Traffic per benchmark method, filled by each benchmark's GlobalSetup (some sizes, like a gzip file's, are known only
/// there) and read by the columns and the report after the run; keyed by class and method because parameters do not
/// change the traffic of any benchmark here.
/// </summary>
internal static class TrafficTable
{
    private static readonly ConcurrentDictionary<(Type Type, string Method), KernelTraffic> Entries = new();

    public static void Register(Type benchmarkClass, string method, KernelTraffic traffic) => Entries[(benchmarkClass, method)] = traffic;

    public static KernelTraffic? For(BenchmarkCase benchmark) =>
        Entries.GetValueOrDefault((benchmark.Descriptor.Type, benchmark.Descriptor.WorkloadMethod.Name));
}
