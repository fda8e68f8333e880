using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// <c>kernels [--out DIR] [--filter GLOB]... [--quick]</c>: BenchmarkDotNet micro-benchmarks of the engine's kernels,
/// with GB/s against a memory copy measured in the same run; writes DIR/kernels.md and DIR/kernels.json.
/// </summary>
internal static class KernelsCommand
{
    private const string UsageText = "usage: SegEngine.Perf kernels [--out DIR] [--filter GLOB]... [--quick]";

    /// <summary>All benchmark classes; the copy baseline always runs, whatever the filter, because every percentage needs it.</summary>
    internal static readonly Type[] Benchmarks =
    [
        typeof(MemoryCopyBenchmark),
        typeof(AggregationBenchmark),
        typeof(MirrorAverageBenchmark),
        typeof(ExportBenchmark),
        typeof(ResamplingBenchmark),
        typeof(NormalizationBenchmark),
        typeof(NiftiBenchmark),
    ];

    public static int Run(string[] args)
    {
        string? outDirectory = null;
        var filters = new List<string>();
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    outDirectory = args[++i];
                    break;
                case "--filter" when i + 1 < args.Length:
                    filters.Add(args[++i]);
                    break;
                case "--quick":
                    quick = true;
                    break;
                default:
                    Console.Error.WriteLine($"kernels: unexpected argument '{args[i]}'");
                    Console.Error.WriteLine(UsageText);
                    return PerfExit.Usage;
            }
        }

        KernelSizes.Current = quick ? KernelSizes.Quick : KernelSizes.Full;
        string output = Path.GetFullPath(outDirectory ?? RepositoryPaths.DefaultResults);
        string artifacts = Path.Combine(output, "kernels-artifacts");
        Directory.CreateDirectory(artifacts);
        // BenchmarkDotNet's logs and exports are scratch: keep them out of git wherever --out points.
        File.WriteAllText(Path.Combine(artifacts, ".gitignore"), "*\n");

        var clock = Stopwatch.StartNew();
        Summary[] summaries = BenchmarkRunner.Run(Benchmarks, Config(quick, filters, artifacts));
        clock.Stop();

        Summary summary = summaries.Single();
        string markdown = KernelsReport.Write(summary, output, quick, clock.Elapsed);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"kernels: {summary.Reports.Length} benchmarks in {clock.Elapsed.TotalSeconds:F0} s; wrote {Path.Combine(output, "kernels.md")} and kernels.json");
        return summary.Reports.Length > 0 && summary.Reports.All(r => r.Success) ? PerfExit.Success : PerfExit.Failed;
    }

    private static IConfig Config(bool quick, List<string> filters, string artifacts)
    {
        // In-process: no generated child project, which our central package management and warnings-as-errors would fight.
        // Every kernel here runs for milliseconds to seconds: no unrolling, and a kernel slower than an iteration runs once
        // per iteration (BenchmarkDotNet's default minimum is 4 invocations, which made the slow export take minutes).
        Job job = Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true))
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(quick ? 3 : 4)
            .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 20 : 250))
            .WithMinInvokeCount(1)
            .WithUnrollFactor(1)
            .WithId(quick ? "Quick" : "Kernels");

        var glob = new GlobFilter(filters.Count > 0 ? [.. filters] : ["*"]);
        return ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(TrafficColumn.Size, TrafficColumn.Throughput, TrafficColumn.CopyShare)
            .AddFilter(new SimpleFilter(c => c.Descriptor.Type == typeof(MemoryCopyBenchmark) || glob.Predicate(c)))
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.JoinSummary);
    }
}
