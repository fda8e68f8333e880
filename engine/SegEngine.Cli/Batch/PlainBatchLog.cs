using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;

namespace SegEngine.Cli.Batch;

/// <summary>The batch's first line, then one line per finished case on stderr: what CI logs and Slurm output files want.</summary>
internal sealed class PlainBatchLog(SegModel model) : IBatchObserver
{
    private readonly Lock gate = new();
    private int total;
    private int finished;

    public void BatchStarted(BatchOverview overview)
    {
        lock (gate)
        {
            total = overview.ToPredict.Count;
            Console.Error.WriteLine(BatchSummary.Header(model, overview));
        }
    }

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
