using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SegEngine.Conversion.Onnx.Rewrite;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>
/// <c>network-rewrite [--model DIR] [--out DIR] [--runs N] [--quick]</c>: the same network with and without the
/// depth-slice graph rewrite (docs/graph-rewrite.md), one after the other in one process — session creation, first
/// and steady forwards, peak RSS of each — then both profiled together, their forwards alternating so that both meet
/// the same load on a shared machine, each split by operator type and convolution class — into network-rewrite.md
/// and .json. Models as for <c>network</c>.
/// </summary>
internal static class RewriteBenchmark
{
    public const string Command = "network-rewrite";

    public static int Run(string[] args)
    {
        if (NetworkArguments.Parse(Command, args, defaultRuns: 2) is not { } arguments)
        {
            return PerfExit.Usage;
        }

        (int runs, string results, string folder, bool quick) = (arguments.Runs, arguments.ResultsFolder, arguments.ModelFolder, arguments.Quick);
        string loadAverage = File.ReadAllText("/proc/loadavg").Trim();
        BenchmarkedModel model = BenchmarkedModel.Open(folder);

        Timed original = Measure("original", model, runs);
        long start = Stopwatch.GetTimestamp();
        string rewrittenPath = GraphRewrite.Prepare(model.OnnxPath, [1, model.Signature.InputChannels, .. model.Signature.PatchSize.Select(p => (long)p)]);
        double prepare = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (rewrittenPath == model.OnnxPath)
        {
            Console.Error.WriteLine($"{Command}: the rewrite changes nothing in {model.OnnxPath}");
            return PerfExit.Usage;
        }

        BenchmarkedModel rewrittenModel = model with { OnnxPath = rewrittenPath };
        Timed rewrittenTimes = Measure("rewritten", rewrittenModel, runs);
        (RewriteVariant a, RewriteVariant b) = ProfileAlternately(model, original, rewrittenModel, rewrittenTimes, prepare, quick ? runs + 1 : runs);
        FmaPeak fma = FmaPeak.Measure();
        string markdown = Markdown(model, a, b, fma, loadAverage, ("perf/run " + Command + " " + string.Join(' ', args)).Trim());
        File.WriteAllText(Path.Combine(results, "network-rewrite.md"), markdown);
        File.WriteAllText(Path.Combine(results, "network-rewrite.json"), JsonSerializer.Serialize(
            new { original = a, rewritten = b, fma },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Console.Out.Write(markdown);
        return PerfExit.Success;
    }

    private static Timed Measure(string name, BenchmarkedModel model, int runs)
    {
        ResetPeak();
        Timed timed;
        using (TileSession session = TileSession.Open(model))
        {
            double first = session.Run();
            var steady = new List<double>(runs);
            for (int i = 0; i < runs; i++)
            {
                steady.Add(session.Run());
            }

            timed = new Timed(session.CreationSeconds, first, steady, 0);
        }

        timed = timed with { PeakResidentBytes = ResidentMemory.Peak() };
        Console.Error.WriteLine($"{Command}: {name}: session {timed.CreationSeconds:F2} s, first {timed.FirstSeconds:F2} s, steady {string.Join(", ", timed.SteadySeconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} s, peak {timed.PeakResidentBytes >> 20} MiB");
        return timed;
    }

    /// <summary>
    /// Both graphs profiled in one pass: a warm-up forward each, then <paramref name="rounds"/> forwards of one and of
    /// the other in turn, so that a load changing over the minutes weighs on both alike.
    /// </summary>
    private static (RewriteVariant Original, RewriteVariant Rewritten) ProfileAlternately(
        BenchmarkedModel original, Timed originalTimes, BenchmarkedModel rewritten, Timed rewrittenTimes, double prepare, int rounds)
    {
        string profileFolder = Directory.CreateTempSubdirectory("segengine-rewrite-profile-").FullName;
        try
        {
            string originalTrace, rewrittenTrace;
            using (TileSession a = TileSession.Open(original, Path.Combine(profileFolder, "original")))
            using (TileSession b = TileSession.Open(rewritten, Path.Combine(profileFolder, "rewritten")))
            {
                for (int i = 0; i <= rounds; i++)
                {
                    double ta = a.Run();
                    double tb = b.Run();
                    Console.Error.WriteLine(FormattableString.Invariant($"{Command}: profiled round {i}: original {ta:F2} s, rewritten {tb:F2} s"));
                }

                originalTrace = a.EndProfiling();
                rewrittenTrace = b.EndProfiling();
            }

            return (Variant("original", original, 0, originalTimes, originalTrace), Variant("rewritten", rewritten, prepare, rewrittenTimes, rewrittenTrace));
        }
        finally
        {
            Directory.Delete(profileFolder, recursive: true);
        }
    }

    private static RewriteVariant Variant(string name, BenchmarkedModel model, double prepare, Timed times, string trace)
    {
        (IReadOnlyList<ProfiledNode> nodes, int profiled) = ProfileTrace.ReadSteadyRuns(trace);
        return new RewriteVariant(
            name, model.OnnxPath, prepare, times.CreationSeconds, times.FirstSeconds, times.SteadySeconds, times.PeakResidentBytes, ProfileSummary.From(nodes, profiled), nodes);
    }

    /// <summary>Resets VmHWM to the current RSS (Linux's clear_refs 5), so each variant's peak is its own.</summary>
    private static void ResetPeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    private static string Markdown(BenchmarkedModel model, RewriteVariant a, RewriteVariant b, FmaPeak fma, string loadAverage, string command)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Graph rewrite (depth-slice 2-D convolutions): {Path.GetFileName(model.Folder)}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {MachineInfo.Current()}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`. Load average before the run: {loadAverage} (the machine is shared: absolute times are noisy, the ratio is the figure).");
        md.AppendLine(CultureInfo.InvariantCulture, $"Model: {model.ParameterCount / 1e6:F1} M parameters, patch {string.Join('×', model.Signature.PatchSize)}, CPU, batch 1, engine session settings. FMA peak on {fma.Threads} threads: {fma.AllThreads:F1} GFLOP/s.").AppendLine();
        var table = new MarkdownTable("measure", a.Name, b.Name, "rewritten / original");
        table.Add("rewrite written (once; cached beside the model)", "—", Seconds(b.PrepareSeconds), "")
            .Add("session creation", Seconds(a.SessionCreationSeconds), Seconds(b.SessionCreationSeconds), Ratio(b.SessionCreationSeconds, a.SessionCreationSeconds))
            .Add("first forward", Seconds(a.FirstRunSeconds), Seconds(b.FirstRunSeconds), Ratio(b.FirstRunSeconds, a.FirstRunSeconds))
            .Add(FormattableString.Invariant($"steady forward, median of {a.SteadyRunSeconds.Count}"), Seconds(a.MedianSeconds), Seconds(b.MedianSeconds), Ratio(b.MedianSeconds, a.MedianSeconds))
            .Add("peak RSS (session + forwards)", Mib(a.PeakResidentBytes), Mib(b.PeakResidentBytes), Ratio(b.PeakResidentBytes, a.PeakResidentBytes))
            .Add("convolutions, GFLOP/s (profiled)", Rate(a.Profile.ConvolutionGflopPerSecond), Rate(b.Profile.ConvolutionGflopPerSecond), Ratio(b.Profile.ConvolutionGflopPerSecond, a.Profile.ConvolutionGflopPerSecond))
            .Add("convolutions, share of FMA peak", Percent(a.Profile.ConvolutionGflopPerSecond / fma.AllThreads), Percent(b.Profile.ConvolutionGflopPerSecond / fma.AllThreads), "");
        md.Append(table).AppendLine();
        foreach (RewriteVariant v in new[] { a, b })
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"#### {v.Name}: operator types and convolution classes (profiled, s / forward)").AppendLine();
            var operators = new MarkdownTable("operator", "nodes", "s / forward", "share");
            foreach (OperatorShare o in v.Profile.Operators)
            {
                operators.Add(o.Name, Count(o.NodesPerForward), Number(o.SecondsPerForward), Percent(o.Share));
            }

            md.Append(operators).AppendLine();
            var classes = new MarkdownTable("class", "nodes", "s / forward", "GFLOP / forward", "GFLOP/s", "of FMA peak");
            foreach (OperatorShare c in v.Profile.ConvolutionClasses.Take(16))
            {
                classes.Add(c.Name, Count(c.NodesPerForward), Number(c.SecondsPerForward), Number(c.GflopPerForward), Rate(c.GflopPerSecond), Percent(c.GflopPerSecond / fma.AllThreads));
            }

            md.Append(classes).AppendLine();
        }

        md.Append(RewriteJoin.Markdown(model.OnnxPath, a, b, fma));
        md.AppendLine("In the rewritten graph a 3-D class appears as 2-D convolutions whose batch is N·D (one per depth tap); its FLOPs are the same.");
        return md.ToString();
    }

    /// <summary>One variant's unprofiled session: creation, first and steady forwards, and its peak RSS.</summary>
    private sealed record Timed(double CreationSeconds, double FirstSeconds, IReadOnlyList<double> SteadySeconds, long PeakResidentBytes);

    private static string Seconds(double s) => FormattableString.Invariant($"{s:F3} s");

    private static string Mib(long bytes) => FormattableString.Invariant($"{bytes / (double)(1 << 20):F0} MiB");

    private static string Rate(double gflops) => FormattableString.Invariant($"{gflops:F1}");

    private static string Number(double v) => FormattableString.Invariant($"{v:F3}");

    private static string Count(double v) => FormattableString.Invariant($"{v:0.#}");

    private static string Ratio(double b, double a) => a > 0 ? FormattableString.Invariant($"{b / a:F2}") : "";

    private static string Percent(double share) => FormattableString.Invariant($"{share * 100:F1} %");
}
