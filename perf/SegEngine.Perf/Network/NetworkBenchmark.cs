using System.Globalization;
using System.Text.Json;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>
/// <c>network [--model DIR] [--out DIR] [--runs N] [--quick] [--trials]</c>: profiles one model's network on the CPU — model load,
/// session creation and first tile, seconds per forward, time per operator type and GFLOP/s per convolution class
/// against the FMA peak measured in the same run, peak memory — and writes network.md and network.json.
/// The default model is a synthetic ResEnc M 3d_fullres (~400 MB, written once into the temp folder); --quick uses the sample model;
/// --trials also tries other session settings (<see cref="SettingsTrial"/>).
/// </summary>
internal static class NetworkBenchmark
{
    public const string Command = "network";
    private const int DefaultRuns = 3;
    private static readonly string[] Valued = ["--model", "--out", "--runs"];
    private static readonly string[] Flags = ["--quick", "--trials"];

    public static int Run(string[] args)
    {
        CommandLineOptions options;
        int runs;
        try
        {
            options = CommandLineOptions.Parse(args, Valued, Flags);
            runs = int.Parse(options.Get("--runs", DefaultRuns.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
            if (runs < 1)
            {
                throw new ArgumentException("--runs must be at least 1");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"network: {e.Message}");
            return PerfExit.Usage;
        }

        string results = Path.GetFullPath(options.Get("--out", RepositoryPaths.DefaultResults));
        Directory.CreateDirectory(results);
        bool quick = options.Has("--quick");
        string model = options.Has("--model")
            ? Path.GetFullPath(options.Get("--model", ""))
            : quick
                ? RepositoryPaths.Combine("models", "sample", "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres")
                : BenchmarkedModel.SyntheticResEncM(Path.Combine(Path.GetTempPath(), "segengine-perf-network"), Console.Error.WriteLine);

        // The whole ResEnc M forward takes seconds, so one profiled forward is enough there; the tiny sample gets two.
        int profiledRuns = quick ? 2 : 1;
        NetworkResult result = NetworkMeasurement.Measure(model, runs, profiledRuns, options.Has("--trials"), Console.Error.WriteLine);
        string command = "perf/run network " + string.Join(' ', args);
        string markdown = NetworkReport.Markdown(result, command.Trim());
        File.WriteAllText(Path.Combine(results, "network.md"), markdown);
        File.WriteAllText(Path.Combine(results, "network.json"), JsonSerializer.Serialize(
            result,
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Console.Out.Write(markdown);
        return PerfExit.Success;
    }
}
