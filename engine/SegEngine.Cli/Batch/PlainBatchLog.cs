using System.Globalization;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;

namespace SegEngine.Cli.Batch;

/// <summary>One line per finished case on stderr: what CI logs and Slurm output files want.</summary>
internal sealed class PlainBatchLog(int total) : IBatchObserver
{
    private readonly Lock gate = new();
    private int finished;

    public void StageStarted(BatchCase batchCase, SegStage stage)
    {
    }

    public void CaseFinished(CaseReport report)
    {
        lock (gate)
        {
            finished++;
            Console.Error.WriteLine($"[{finished}/{total}] {BatchSummary.Describe(report)}");
            foreach (string warning in report.Warnings)
            {
                Console.Error.WriteLine($"  warning: {report.Case.CaseId}: {warning}");
            }
        }
    }
}

/// <summary>The words and the failure table both front ends print.</summary>
internal static class BatchSummary
{
    public static string Describe(CaseReport report) => report.Status switch
    {
        CaseStatus.Succeeded => string.Create(
            CultureInfo.InvariantCulture,
            $"{report.Case.CaseId}: done in {report.WallSeconds:F2} s (network {report.Timings.Network:F2} s; {OutsideShare(report):F1} % outside the network)"),
        CaseStatus.Skipped => $"{report.Case.CaseId}: skipped, its outputs exist",
        _ => $"{report.Case.CaseId}: failed in {Stage(report)}: {report.Error}",
    };

    public static string Stage(CaseReport report) => report.FailedStage?.ToString().ToLowerInvariant() ?? "?";

    /// <summary>The share of the case's working time (queues excluded) spent outside ONNX Runtime.</summary>
    private static double OutsideShare(CaseReport report)
    {
        double working = report.Timings.Total;
        return working == 0 ? 0 : 100 * (working - report.Timings.Network) / working;
    }
}
