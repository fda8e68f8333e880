using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.EndToEnd;

/// <summary>
/// <c>e2e [--model DIR] [--input DIR] [--out DIR] [--disable_tta] [--name NAME]</c>: runs <c>segengine predict</c> as a user
/// does (its own process, CPU, with <c>--report</c>) over a folder of cases, then writes NAME.md (tables and targets),
/// NAME.json and NAME.png (wall time split by stage) into the results folder.
/// </summary>
internal static class EndToEndBenchmark
{
    private static readonly string[] Valued = ["--model", "--input", "--out", "--name"];
    private static readonly string[] Flags = ["--disable_tta"];

    public static int Run(string[] args)
    {
        CommandLineOptions options;
        try
        {
            options = CommandLineOptions.Parse(args, Valued, Flags);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"e2e: {e.Message}");
            return PerfExit.Usage;
        }

        string model = Path.GetFullPath(options.Get("--model", RepositoryPaths.Combine("models", "sample", "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres")));
        string input = Path.GetFullPath(options.Get("--input", RepositoryPaths.Combine("tests", "fixtures", "sample", "cases")));
        string results = Path.GetFullPath(options.Get("--out", RepositoryPaths.DefaultResults));
        bool tta = !options.Has("--disable_tta");
        string name = options.Get("--name", tta ? "e2e" : "e2e-notta");
        string cli = RepositoryPaths.Combine("engine", "SegEngine.Cli", "bin", "Release", "net10.0", "SegEngine.Cli.dll");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"e2e: {cli} is missing; build first: dotnet build Engine.sln -c Release");
            return PerfExit.Failed;
        }

        string scratch = Directory.CreateTempSubdirectory("segengine-e2e-").FullName;
        try
        {
            string report = Path.Combine(scratch, "report.json");
            List<string> predict = ["predict", "-i", input, "-o", Path.Combine(scratch, "out"), "-m", model, "-device", "cpu", "--report", report];
            if (!tta)
            {
                predict.Add("--disable_tta");
            }

            Console.Error.WriteLine($"e2e: segengine {string.Join(' ', predict)}");
            double processSeconds = RunCli(cli, predict);
            string title = $"{Path.GetFileName(model)} on {Path.GetFileName(input)}, TTA {(tta ? "on" : "off")}";
            string command = "segengine " + string.Join(' ', predict.Select(a => a.StartsWith(scratch, StringComparison.Ordinal) ? "TMP" + a[scratch.Length..] : a));
            EndToEndResult result = BatchReportReader.Read(report, title, command, processSeconds);
            var machine = MachineInfo.Current();
            Directory.CreateDirectory(results);
            File.WriteAllText(Path.Combine(results, name + ".md"), EndToEndTables.Markdown(result, machine, name + ".png"));
            File.WriteAllText(Path.Combine(results, name + ".json"), JsonSerializer.Serialize(
                new { date = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), machine, result, targets = EndToEndTables.Targets(result) },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            EndToEndChart.Save(result, Path.Combine(results, name + ".png"));
            Console.Out.Write(EndToEndTables.Markdown(result, machine, name + ".png"));
            return PerfExit.Success;
        }
        catch (BenchmarkFailedException e)
        {
            Console.Error.WriteLine($"e2e: {e.Message}");
            return PerfExit.Failed;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Runs the CLI to completion and returns its wall time; its output passes through to stderr.</summary>
    private static double RunCli(string cli, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        start.ArgumentList.Add(cli);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start) ?? throw new BenchmarkFailedException("could not start dotnet");
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                Console.Error.WriteLine(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.WaitForExit();
        clock.Stop();
        if (process.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"segengine predict exited with {process.ExitCode}");
        }

        return clock.Elapsed.TotalSeconds;
    }
}
