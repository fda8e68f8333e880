namespace SegEngine.Pipeline.Batch;

/// <summary>How a case of a batch ended.</summary>
internal enum CaseStatus
{
    Succeeded,
    Failed,
    Skipped,
}
