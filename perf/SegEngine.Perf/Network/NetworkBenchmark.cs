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

    public static int Run(string[] args)
    {
        if (NetworkArguments.Parse(Command, args, DefaultRuns, "--trials") is not { } arguments)
        {
            return PerfExit.Usage;
        }

        (int runs, string results, string model, bool quick) = (arguments.Runs, arguments.ResultsFolder, arguments.ModelFolder, arguments.Quick);
        // The whole ResEnc M forward takes seconds, so one profiled forward is enough there; the tiny sample gets two.
        int profiledRuns = quick ? 2 : 1;
        NetworkResult result = NetworkMeasurement.Measure(model, runs, profiledRuns, arguments.Options.Has("--trials"), Console.Error.WriteLine);
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
