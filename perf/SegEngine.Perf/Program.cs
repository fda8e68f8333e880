using SegEngine.Perf.Common;
using SegEngine.Perf.EndToEnd;
using SegEngine.Perf.Resampling;

// SegEngine's performance harness; perf/README.md says how to run each benchmark and what it compares.
string command = args.Length > 0 ? args[0] : string.Empty;
string[] rest = args.Length > 1 ? args[1..] : [];
return command switch
{
    "e2e" => EndToEndBenchmark.Run(rest),
    "resample" => ResampleBenchmark.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: SegEngine.Perf COMMAND [options]
          e2e [--model DIR] [--input DIR] [--out DIR] [--disable_tta] [--name NAME]
                                                  segengine predict as a user runs it: stages, network share, memory vs plan
          resample [cubic|separate|all] [z y x]   resampling wall time and peak memory (compare perf/scripts/resample_scipy.py)
        """);
    return PerfExit.Usage;
}
