namespace SegEngine.Pipeline.Batch;

/// <summary>A batch once its cases are known and planned, before any is read: what a front end shows first.</summary>
/// <param name="CasesFound">Cases in the input folder.</param>
/// <param name="CasesInPart">Of those, the cases of this part.</param>
/// <param name="AlreadyDone">Of those, the cases skipped because their outputs exist.</param>
/// <param name="ToPredict">The cases the pipeline will run.</param>
/// <param name="Part">The share of the cases this process takes.</param>
/// <param name="Plan">Workers per stage, cases in flight and the largest case's memory plan.</param>
/// <param name="StaleTemporariesRemoved">Temporary files an interrupted run had left in the output folder, now removed.</param>
internal sealed record BatchOverview(
    int CasesFound, int CasesInPart, int AlreadyDone, IReadOnlyList<BatchCase> ToPredict, PartSelection Part, BatchPlan Plan, int StaleTemporariesRemoved);
