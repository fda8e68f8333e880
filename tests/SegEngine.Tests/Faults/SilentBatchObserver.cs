using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;

namespace SegEngine.Tests.Faults;

/// <summary>An observer that hears nothing: the fault suite checks the result, not the notices.</summary>
internal sealed class SilentBatchObserver : IBatchObserver
{
    public void BatchStarted(BatchOverview overview)
    {
    }

    public void StageStarted(BatchCase batchCase, SegStage stage)
    {
    }

    public void CaseFinished(CaseReport report)
    {
    }
}
