using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SegEngine.Inference;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>
/// <c>network-first [--model DIR] [--out DIR] [--runs N] [--quick]</c>: a session's first forward against its steady ones,
/// without and with the engine's arena prefault (<see cref="ArenaPrefault"/>), each on a fresh session in one process —
/// prefault time, page faults and wall time of the first forward and of the steady ones, peak RSS — into
/// network-first.md and .json. The prefault takes the graph's estimate of ORT's working memory, as a first load does.
/// Models as for <c>network</c>.
/// </summary>
internal static class FirstForwardBenchmark
{
    public const string Command = "network-first";

    public static int Run(string[] args)
    {
        if (NetworkArguments.Parse(Command, args, defaultRuns: 2) is not { } arguments)
        {
            return PerfExit.Usage;
        }

        string loadAverage = File.ReadAllText("/proc/loadavg").Trim();
        BenchmarkedModel model = BenchmarkedModel.Open(arguments.ModelFolder);
        string results = arguments.ResultsFolder;
        int runs = arguments.Runs;
        long[] tileShape = [1, model.Signature.InputChannels, .. model.Signature.PatchSize.Select(p => (long)p)];
        long estimate = ActivationMemoryEstimate.BytesPerTile(OnnxGraphNodes.Read(model.OnnxPath), tileShape)
            ?? throw new BenchmarkFailedException($"{model.OnnxPath}: the graph estimate cannot read this model");

        FirstForwardVariant cold = Measure("no prefault", model, 0, runs);
        FirstForwardVariant warm = Measure("arena prefault", model, estimate, runs);
        string loadAfter = File.ReadAllText("/proc/loadavg").Trim();
        string markdown = Markdown(model, estimate, cold, warm, loadAverage, loadAfter, ("perf/run " + Command + " " + string.Join(' ', args)).Trim());
        File.WriteAllText(Path.Combine(results, "network-first.md"), markdown);
        File.WriteAllText(Path.Combine(results, "network-first.json"), JsonSerializer.Serialize(
            new { estimate, cold, warm, loadAverage, loadAfter },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Console.Out.Write(markdown);
        return PerfExit.Success;
    }

    private static FirstForwardVariant Measure(string name, BenchmarkedModel model, long prefaultBytes, int runs)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Resets VmHWM to the current RSS (Linux's clear_refs 5), so each variant's peak is its own.
        File.WriteAllText("/proc/self/clear_refs", "5");
        long residentBefore = ResidentMemory.Current();
        using TileSession session = TileSession.Open(model);
        double prefaultSeconds = 0;
        long prefaulted = 0;
        if (prefaultBytes > 0)
        {
            long start = Stopwatch.GetTimestamp();
            prefaulted = session.StartPrefault(prefaultBytes).Wait();
            prefaultSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        long faults = MinorFaults();
        double first = session.Run();
        long firstFaults = MinorFaults() - faults;
        var steady = new List<double>(runs);
        var steadyFaults = new List<long>(runs);
        for (int i = 0; i < runs; i++)
        {
            faults = MinorFaults();
            steady.Add(session.Run());
            steadyFaults.Add(MinorFaults() - faults);
        }

        var variant = new FirstForwardVariant(
            name, session.CreationSeconds, prefaulted, prefaultSeconds, first, firstFaults, steady, steadyFaults, ResidentMemory.Peak() - residentBefore);
        Console.Error.WriteLine(FormattableString.Invariant(
            $"{Command}: {name}: prefault {prefaulted >> 20} MiB in {prefaultSeconds:F2} s, first {first:F2} s ({firstFaults} faults), steady {string.Join(", ", steady.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))} s, peak +{variant.PeakGrowthBytes >> 20} MiB"));
        return variant;
    }

    /// <summary>The process's minor page faults so far (<c>/proc/self/stat</c>, field 10).</summary>
    private static long MinorFaults()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    private static string Markdown(
        BenchmarkedModel model, long estimate, FirstForwardVariant a, FirstForwardVariant b, string loadBefore, string loadAfter, string command)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### First forward against steady, with and without the arena prefault: {Path.GetFileName(model.Folder)}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {MachineInfo.Current()}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`. Load average before: {loadBefore}; after: {loadAfter} (the machine is shared: compare within the run).");
        md.AppendLine(CultureInfo.InvariantCulture, $"Model: {model.ParameterCount / 1e6:F1} M parameters, patch {string.Join('×', model.Signature.PatchSize)}, CPU, batch 1, engine session settings, each variant on a fresh session; prefault of the graph's estimate, {estimate >> 20} MiB.").AppendLine();
        var table = new MarkdownTable("measure", a.Name, b.Name);
        table.Add("session creation", Seconds(a.SessionCreationSeconds), Seconds(b.SessionCreationSeconds))
            .Add("prefault (background in the engine, overlapping the case's reading)", "—", FormattableString.Invariant($"{b.PrefaultedBytes >> 20} MiB in {b.PrefaultSeconds:F3} s"))
            .Add("first forward", Seconds(a.FirstRunSeconds), Seconds(b.FirstRunSeconds))
            .Add("first forward, page faults", Count(a.FirstRunFaults), Count(b.FirstRunFaults))
            .Add(FormattableString.Invariant($"steady forward, median of {a.SteadyRunSeconds.Count}"), Seconds(a.SteadyMedianSeconds), Seconds(b.SteadyMedianSeconds))
            .Add("steady forwards, page faults (most)", Count(a.SteadyRunFaults.Max()), Count(b.SteadyRunFaults.Max()))
            .Add("first / steady", Ratio(a.FirstRunSeconds, a.SteadyMedianSeconds), Ratio(b.FirstRunSeconds, b.SteadyMedianSeconds))
            .Add("peak RSS over the session (growth)", Mib(a.PeakGrowthBytes), Mib(b.PeakGrowthBytes));
        md.Append(table).AppendLine();
        return md.ToString();
    }

    private static string Seconds(double s) => FormattableString.Invariant($"{s:F3} s");

    private static string Mib(long bytes) => FormattableString.Invariant($"{bytes / (double)(1 << 20):F0} MiB");

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ratio(double b, double a) => a > 0 ? FormattableString.Invariant($"{b / a:F2}") : "";
}
