using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BenchmarkDotNet.Reports;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Kernels;

/// <summary>One measured benchmark as kernels.md and kernels.json show it.</summary>
internal sealed record KernelRow(
    string Benchmark, string Size, double? MeanNanoseconds, long? TrafficBytes, string? Accounting, double? GigabytesPerSecond, double? PercentOfCopy, long? AllocatedBytes);

/// <summary>A goal from the issue, what was measured against it and whether it holds.</summary>
internal sealed record KernelTarget(string Name, string Goal, double? Measured, bool? Met, string Verdict);

/// <summary>The fused export against the materialising one on one kind of cells (same run).</summary>
internal sealed record ExportRatio(string Cells, double? FusedNanoseconds, double? NaiveNanoseconds, double? Speedup);

internal sealed record KernelsResult(
    DateTimeOffset Date, MachineInfo Machine, bool Quick, double TotalSeconds, double? CopyGigabytesPerSecond,
    IReadOnlyList<KernelRow> Benchmarks, IReadOnlyList<ExportRatio> ExportRatios, IReadOnlyList<KernelTarget> Targets);

/// <summary>Turns the joined BenchmarkDotNet summary into kernels.md (table and target lines) and kernels.json (the same data).</summary>
internal static class KernelsReport
{
    /// <summary>Issue 15's goal for aggregation as the sliding window calls it: at least 60 % of the copy bandwidth.</summary>
    private const double AggregationGoalPercent = 60;

    /// <summary>Issue 15's goals for the fused export against the materialising one: 10x on typical cells, 2x on worst cells (near ties everywhere).</summary>
    private const double ExportGoalSpeedupTypical = 10;

    private const double ExportGoalSpeedupWorst = 2;

    // Relaxed escaping keeps "+" and "<" readable; the file is data, never embedded in HTML.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes both files into <paramref name="folder"/> and returns the markdown.</summary>
    public static string Write(Summary summary, string folder, bool quick, TimeSpan total)
    {
        // In the order the command lists the classes, then methods as declared, then parameters.
        List<KernelRow> rows = [.. summary.Reports
            .OrderBy(r => Array.IndexOf(KernelsCommand.Benchmarks, r.BenchmarkCase.Descriptor.Type))
            .ThenBy(r => r.BenchmarkCase.Descriptor.MethodIndex)
            .ThenBy(r => r.BenchmarkCase.Parameters.DisplayInfo, StringComparer.Ordinal)
            .Select(r => Row(summary, r))];
        List<ExportRatio> ratios = [.. Enum.GetValues<ExportCells>().Select(cells => Ratio(summary, cells))];
        var result = new KernelsResult(
            DateTimeOffset.UtcNow, MachineInfo.Current(), quick, total.TotalSeconds, Bandwidth.CopyGigabytesPerSecond(summary), rows, ratios, Targets(summary, ratios));

        string markdown = Markdown(result);
        File.WriteAllText(Path.Combine(folder, "kernels.md"), markdown);
        File.WriteAllText(Path.Combine(folder, "kernels.json"), JsonSerializer.Serialize(result, Json));
        return markdown;
    }

    private static KernelRow Row(Summary summary, BenchmarkReport report)
    {
        KernelTraffic? traffic = TrafficTable.For(report.BenchmarkCase);
        string parameters = report.BenchmarkCase.HasParameters ? " " + report.BenchmarkCase.Parameters.DisplayInfo : string.Empty;
        return new KernelRow(
            report.BenchmarkCase.Descriptor.DisplayInfo + parameters,
            traffic?.Size ?? "?",
            report.ResultStatistics?.Mean,
            traffic?.Bytes,
            traffic?.Accounting,
            Bandwidth.GigabytesPerSecond(summary, report.BenchmarkCase),
            Bandwidth.PercentOfCopy(summary, report.BenchmarkCase),
            report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase));
    }

    private static ExportRatio Ratio(Summary summary, ExportCells cells)
    {
        double? Mean(string method) => summary.Reports
            .FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == typeof(ExportBenchmark)
                && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method
                && Equals(r.BenchmarkCase.Parameters[nameof(ExportBenchmark.Cells)], cells))
            ?.ResultStatistics?.Mean;

        double? fused = Mean(nameof(ExportBenchmark.Fused));
        double? naive = Mean(nameof(ExportBenchmark.Naive));
        return new ExportRatio(cells.ToString(), fused, naive, fused is > 0 && naive is not null ? naive / fused : null);
    }

    private static List<KernelTarget> Targets(Summary summary, List<ExportRatio> ratios)
    {
        double? aggregation = summary.BenchmarksCases
            .Where(c => c.Descriptor.Type == typeof(AggregationBenchmark) && c.Descriptor.WorkloadMethod.Name == nameof(AggregationBenchmark.AccumulateTileAsCalled))
            .Select(c => Bandwidth.PercentOfCopy(summary, c))
            .FirstOrDefault();
        var targets = new List<KernelTarget>
        {
            Target(
                "Aggregation (TileAggregation.Add: one tile as the sliding window adds it, both cores, against one core's copy)",
                $">= {AggregationGoalPercent:F0} % of copy bandwidth", aggregation, AggregationGoalPercent,
                missed => $"missed by {missed:F1} percentage points", "%"),
        };
        foreach (ExportRatio ratio in ratios)
        {
            double goal = ratio.Cells == nameof(ExportCells.Typical) ? ExportGoalSpeedupTypical : ExportGoalSpeedupWorst;
            targets.Add(Target(
                $"Fused export vs materialising export, K = {KernelSizes.Current.Classes}, {ratio.Cells.ToLowerInvariant()} cells",
                $">= {goal:F0}x the throughput", ratio.Speedup, goal,
                _ => $"missed by a factor {goal / ratio.Speedup!.Value:F2}", "x"));
        }

        return targets;
    }

    private static KernelTarget Target(string name, string goal, double? measured, double threshold, Func<double, string> shortfall, string unit)
    {
        if (measured is not double value)
        {
            return new KernelTarget(name, goal, null, null, "not measured in this run");
        }

        bool met = value >= threshold;
        string shown = Invariant($"{value:F1}") + (unit == "%" ? " %" : "x");
        return new KernelTarget(name, goal, value, met, met ? $"met ({shown})" : $"{shortfall(threshold - value)} ({shown})");
    }

    private static string Markdown(KernelsResult result)
    {
        var text = new StringBuilder();
        text.AppendLine("# SegEngine kernel benchmarks");
        text.AppendLine();
        text.AppendLine(Invariant($"{result.Date:yyyy-MM-dd HH:mm} UTC, {result.Machine}"));
        text.AppendLine();
        text.AppendLine(Invariant($"{(result.Quick ? "Quick smoke-test sizes and job" : "Full sizes")}, BenchmarkDotNet in-process, total run {result.TotalSeconds:F0} s. ")
            + (result.CopyGigabytesPerSecond is double copy ? Invariant($"Copy bandwidth (Span<byte>.CopyTo on one core, read + write), the 100 % reference: **{copy:F2} GB/s**.") : "Copy bandwidth: not measured."));
        text.AppendLine();
        text.AppendLine("| Benchmark | Size | Mean | GB/s | % of copy | Allocated |");
        text.AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (KernelRow row in result.Benchmarks)
        {
            text.AppendLine(Invariant(
                $"| {row.Benchmark} | {row.Size} | {Time(row.MeanNanoseconds)} | {Number(row.GigabytesPerSecond, "F2")} | {Number(row.PercentOfCopy, "F1")} | {Bytes(row.AllocatedBytes)} |"));
        }

        text.AppendLine();
        text.AppendLine("## Fused export vs materialising export (same run)");
        text.AppendLine();
        foreach (ExportRatio ratio in result.ExportRatios)
        {
            text.AppendLine(Invariant($"- {ratio.Cells} cells: fused {Time(ratio.FusedNanoseconds)}, materialising {Time(ratio.NaiveNanoseconds)}, ratio **{Number(ratio.Speedup, "F1")}x**"));
        }

        text.AppendLine();
        text.AppendLine("## Targets");
        text.AppendLine();
        foreach (KernelTarget target in result.Targets)
        {
            text.AppendLine($"- {target.Name}, goal {target.Goal}: **{target.Verdict}**");
        }

        text.AppendLine();
        text.AppendLine("## Bytes counted per benchmark");
        text.AppendLine();
        foreach (var (name, accounting) in result.Benchmarks.Select(r => (r.Benchmark.Split(' ')[0], r.Accounting)).Distinct())
        {
            text.AppendLine($"- {name}: {accounting ?? "not registered"}");
        }

        return text.ToString();
    }

    private static string Time(double? nanoseconds) => nanoseconds switch
    {
        null => "-",
        >= 1e9 => Invariant($"{nanoseconds / 1e9:F2} s"),
        >= 1e6 => Invariant($"{nanoseconds / 1e6:F1} ms"),
        >= 1e3 => Invariant($"{nanoseconds / 1e3:F1} µs"),
        _ => Invariant($"{nanoseconds:F0} ns"),
    };

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "-",
        >= 1L << 20 => Invariant($"{bytes / 1048576.0:F1} MiB"),
        >= 1L << 10 => Invariant($"{bytes / 1024.0:F1} KiB"),
        _ => Invariant($"{bytes} B"),
    };

    private static string Number(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
