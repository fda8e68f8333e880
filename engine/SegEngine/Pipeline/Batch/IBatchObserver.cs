namespace SegEngine.Pipeline.Batch;

/// <summary>Receives a batch's progress; called from the pipeline's worker threads, so implementations must be thread-safe.</summary>
internal interface IBatchObserver
{
    /// <summary>The cases are known and planned; no case has been read yet. Called once, before any other notice.</summary>
    void BatchStarted(BatchOverview overview);

    /// <summary>A case entered a stage.</summary>
    void StageStarted(BatchCase batchCase, SegStage stage);

    /// <summary>A predicted case finished or failed (skipped cases are only in the result).</summary>
    void CaseFinished(CaseReport report);
}
