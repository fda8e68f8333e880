namespace SegEngine.Pipeline.Batch;

/// <summary>Receives a batch's progress; called from the pipeline's worker threads, so implementations must be thread-safe.</summary>
internal interface IBatchObserver
{
    /// <summary>A case entered a stage.</summary>
    void StageStarted(BatchCase batchCase, SegStage stage);

    /// <summary>A case finished, failed or was skipped.</summary>
    void CaseFinished(CaseReport report);
}
