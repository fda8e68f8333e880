using SegEngine.Perf.Common;
using SegEngine.Perf.EndToEnd;
using SegEngine.Perf.Kernels;
using SegEngine.Perf.Network;
using SegEngine.Perf.Resampling;
using SegEngine.Perf.Scale;
using SegEngine.Perf.Serve;

// SegEngine's performance harness; perf/README.md says how to run each benchmark and what it compares.
string command = args.Length > 0 ? args[0] : string.Empty;
string[] rest = args.Length > 1 ? args[1..] : [];
return command switch
{
    "kernels" => KernelsCommand.Run(rest),
    "e2e" => EndToEndBenchmark.Run(rest),
    "resample" => ResampleBenchmark.Run(rest),
    NetworkBenchmark.Command => NetworkBenchmark.Run(rest),
    RewriteBenchmark.Command => RewriteBenchmark.Run(rest),
    FirstForwardBenchmark.Command => FirstForwardBenchmark.Run(rest),
    ScaleBenchmark.Command => ScaleBenchmark.Run(rest),
    ServeBenchmark.Command => ServeBenchmark.Run(rest),
    PredictionPoint.Command => PredictionPoint.Run(rest),
    ExportMemoryPoint.Command => ExportMemoryPoint.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: SegEngine.Perf COMMAND [options]
          kernels [--out DIR] [--filter GLOB]... [--quick]
              BenchmarkDotNet kernel micro-benchmarks: GB/s against copy bandwidth (DIR/kernels.md, .json)
          e2e [--model DIR] [--input DIR] [--out DIR] [--disable_tta] [--name NAME]
              segengine predict as a user runs it: stages, network share, memory against the plan (DIR/e2e.md, .json, .png)
          resample [cubic|separate|all] [z y x]
              resampling wall time and peak memory (compare perf/scripts/resample_scipy.py)
          scale [--out DIR] [--classes 2,14,64,118] [--lengths 250,500,1000] [--quick] [--keep]
              peak memory and stage times against class count and volume length (DIR/scale.md, .json, .png)
          network [--model DIR] [--out DIR] [--runs N] [--quick]
              one model's network on the CPU: load, session creation, first and steady forwards, time per operator,
              GFLOP/s per convolution class against the FMA peak, peak RSS (DIR/network.md, .json; default: ResEnc M)
          serve [--model DIR] [--out DIR] [--disable_tta] [--requests N]
              segengine serve: ready time against model load, OIP binary latency p50/p95 and throughput at concurrency
              1, 2, 4 for case_000 and case_003, against segengine predict per case in a fresh process (DIR/serve.md, .json)
          network-rewrite [--model DIR] [--out DIR] [--runs N] [--quick]
              the same network with and without the depth-slice graph rewrite, side by side (DIR/network-rewrite.md, .json)
          network-first [--model DIR] [--out DIR] [--runs N] [--quick]
              a session's first forward against its steady ones, without and with the arena prefault (DIR/network-first.md, .json)
        """);
    return PerfExit.Usage;
}
