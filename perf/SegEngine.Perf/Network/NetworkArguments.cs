using System.Globalization;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>
/// The options the network benchmarks share: <c>--model DIR</c> (default: a synthetic ResEnc M 3d_fullres written
/// once into the temp folder; <c>--quick</c>: the sample model), <c>--out DIR</c>, <c>--runs N</c>.
/// </summary>
internal sealed record NetworkArguments(CommandLineOptions Options, int Runs, string ResultsFolder, string ModelFolder, bool Quick)
{
    /// <summary>The parsed arguments, or null after printing the usage error under <paramref name="command"/>'s name.</summary>
    public static NetworkArguments? Parse(string command, string[] args, int defaultRuns, params string[] extraFlags)
    {
        CommandLineOptions options;
        int runs;
        try
        {
            options = CommandLineOptions.Parse(args, ["--model", "--out", "--runs"], ["--quick", .. extraFlags]);
            runs = int.Parse(options.Get("--runs", defaultRuns.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"{command}: {e.Message}");
            return null;
        }

        string results = Path.GetFullPath(options.Get("--out", RepositoryPaths.DefaultResults));
        Directory.CreateDirectory(results);
        bool quick = options.Has("--quick");
        string folder = options.Has("--model")
            ? Path.GetFullPath(options.Get("--model", ""))
            : quick
                ? RepositoryPaths.Combine("models", "sample", "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres")
                : BenchmarkedModel.SyntheticResEncM(Path.Combine(Path.GetTempPath(), "segengine-perf-network"), Console.Error.WriteLine);
        return new NetworkArguments(options, runs, results, folder, quick);
    }
}
