using System.Globalization;
using System.Text;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.EndToEnd;

/// <summary>The markdown of an end-to-end run: the cases by stage, the run's totals, and the targets.</summary>
internal static class EndToEndTables
{
    private const double OutsideNetworkLimit = 0.05;
    private const double PlanOverrunLimit = 1.10;

    public static IReadOnlyList<TargetCheck> Targets(EndToEndResult result) =>
    [
        new("outside session.Run, share of the batch's wall time", result.OutsideNetworkShare, OutsideNetworkLimit, AtMost: true, "%"),
        new("peak resident set / planned peak", result.PeakOverPlan, PlanOverrunLimit, AtMost: true, "×"),
    ];

    public static string Markdown(EndToEndResult result, MachineInfo machine, string chartFile)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### End to end: {result.Title}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd}, {machine}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{result.Command}` (one process, stages overlapped across cases).");
        text.AppendLine();
        var cases = new MarkdownTable(
            "case", "input (z,y,x)", "tiles", "read s", "preprocess s", "network s", "aggregation s", "export s", "write s", "waiting s", "wall s", "outside network");
        foreach (CaseResult item in result.Cases)
        {
            StageSeconds s = item.Seconds;
            cases.Add(
                item.CaseId, string.Join('×', item.InputShape), Invariant(item.Tiles), Seconds(s.Read), Seconds(s.Preprocess), Seconds(s.Network),
                Seconds(s.Aggregation), Seconds(s.Export), Seconds(s.Write), Seconds(s.Waiting), Seconds(item.WallSeconds), Percent(item.OutsideNetworkShare));
        }

        text.Append(cases).AppendLine();
        text.AppendLine("\"outside network\" per case is the share of its working time (waiting excluded) not spent in `session.Run`.");
        text.AppendLine();
        var totals = new MarkdownTable("measure", "value");
        totals.Add("process wall time (runtime start, model load, batch)", Seconds(result.ProcessSeconds) + " s");
        totals.Add("model load (sessions opened and warmed up)", Seconds(result.ModelLoadSeconds) + " s");
        totals.Add("batch wall time (first read to last write)", Seconds(result.BatchSeconds) + " s");
        totals.Add("time in session.Run", Seconds(result.NetworkSeconds) + " s");
        totals.Add("outside session.Run, share of batch wall time", Percent(result.OutsideNetworkShare));
        totals.Add("outside session.Run, share of process wall time", Percent(result.OutsideNetworkShareOfProcess));
        totals.Add("peak resident set (VmHWM)", Mebibytes(result.PeakResidentBytes));
        totals.Add("planned peak (resident before cases + memory plan)", Mebibytes(result.PlannedPeakBytes));
        totals.Add("input voxels per second of batch wall time", string.Create(CultureInfo.InvariantCulture, $"{result.VoxelsPerSecond / 1e6:F2} M"));
        text.Append(totals).AppendLine();
        var targets = new MarkdownTable("target", "bound", "measured", "verdict");
        foreach (TargetCheck check in Targets(result))
        {
            targets.Add(check.Name, check.Bound, check.Value, check.Verdict);
        }

        text.Append(targets).AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"![wall time by stage]({chartFile})");
        return text.ToString();
    }

    private static string Seconds(double value) => value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Percent(double share) => string.Create(CultureInfo.InvariantCulture, $"{share * 100:F1} %");

    private static string Mebibytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F0} MiB");

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
