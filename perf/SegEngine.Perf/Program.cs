using SegEngine.Perf.Common;
using SegEngine.Perf.Kernels;
using SegEngine.Perf.Resampling;

// SegEngine's performance harness; perf/README.md says how to run each benchmark and what it compares.
string command = args.Length > 0 ? args[0] : string.Empty;
string[] rest = args.Length > 1 ? args[1..] : [];
return command switch
{
    "resample" => ResampleBenchmark.Run(rest),
    "kernels" => KernelsCommand.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: SegEngine.Perf COMMAND [options]
          resample [cubic|separate|all] [z y x]   resampling wall time and peak memory (compare perf/scripts/resample_scipy.py)
          kernels [--out DIR] [--filter GLOB]... [--quick]   BenchmarkDotNet kernel micro-benchmarks: GB/s vs copy bandwidth (DIR/kernels.md, .json)
        """);
    return PerfExit.Usage;
}
