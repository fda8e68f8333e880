namespace SegEngine.Pipeline.Batch;

/// <summary>How a batch ended: what it set out to do and every case's report (skipped ones included), sorted by case id.</summary>
internal sealed record BatchResult(BatchOverview Overview, IReadOnlyList<CaseReport> Reports)
{
    public int Succeeded => Reports.Count(r => r.Status == CaseStatus.Succeeded);

    public int Skipped => Reports.Count(r => r.Status == CaseStatus.Skipped);

    public IReadOnlyList<CaseReport> Failures => [.. Reports.Where(r => r.Status == CaseStatus.Failed)];
}
