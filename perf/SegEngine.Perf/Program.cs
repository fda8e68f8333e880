using SegEngine.Perf.Common;
using SegEngine.Perf.Resampling;
using SegEngine.Perf.Scale;

// SegEngine's performance harness; perf/README.md says how to run each benchmark and what it compares.
string command = args.Length > 0 ? args[0] : string.Empty;
string[] rest = args.Length > 1 ? args[1..] : [];
return command switch
{
    "resample" => ResampleBenchmark.Run(rest),
    ScaleBenchmark.Command => ScaleBenchmark.Run(rest),
    PredictionPoint.Command => PredictionPoint.Run(rest),
    ExportMemoryPoint.Command => ExportMemoryPoint.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: SegEngine.Perf COMMAND [options]
          resample [cubic|separate|all] [z y x]   resampling wall time and peak memory (compare perf/scripts/resample_scipy.py)
          scale [--out DIR] [--classes 2,14,64,118] [--lengths 250,500,1000] [--quick] [--keep]
                                                  peak memory and stage times against class count and volume length
        """);
    return PerfExit.Usage;
}
