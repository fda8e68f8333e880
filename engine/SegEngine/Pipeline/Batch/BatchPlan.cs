using System.Diagnostics;
using SegEngine.Inference;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// The batch's plan before any case is read: every case planned by its NIfTI header alone (<see cref="CaseAdmission"/>),
/// the largest admitted case and its memory plan, and from those and the core count the workers per stage and the
/// number of cases that may be in flight. A case that cannot be planned or does not fit is refused alone.
/// </summary>
/// <param name="Options">Workers per stage and cases in flight.</param>
/// <param name="LargestImage">The largest admitted case's shape by its header; null when none was planned.</param>
/// <param name="LargestCasePlan">That case's memory plan.</param>
/// <param name="Budget">The memory budget the cases were admitted against.</param>
/// <param name="ResidentBeforeCasesBytes">The process's resident set when the plan was made: after the model loaded, before any case.</param>
/// <param name="CasesAtOnce">The cases that can be in flight together: the admission limit, or fewer when the batch is smaller.</param>
/// <param name="Refusals">The cases refused from their headers, by case id, with the reason naming the case and its file.</param>
internal sealed record BatchPlan(
    BatchOptions Options,
    Shape3? LargestImage,
    MemoryPlan? LargestCasePlan,
    BatchMemoryBudget Budget,
    long ResidentBeforeCasesBytes,
    int CasesAtOnce,
    IReadOnlyDictionary<string, SegEngineException> Refusals)
{
    /// <summary>The memory budget in bytes; 0 means unlimited.</summary>
    public long BudgetBytes => Budget.Bytes;

    /// <summary>
    /// The process's planned high-water resident set: what was resident before the first case (runtime, weights, warmed-up
    /// sessions), plus the largest case's plan less what the warm-up already holds, plus the per-case part of every other
    /// case that can be in flight with it. Null when no header was readable.
    /// </summary>
    public long? PlannedPeakBytes => LargestCasePlan is { } plan
        ? ResidentBeforeCasesBytes + plan.TotalBytes - plan.WarmedUpBytes + ((long)(CasesAtOnce - 1) * plan.PerCaseBytes)
        : null;

    /// <summary>
    /// Plans a batch. <paramref name="preprocessWorkers"/> and <paramref name="exportWorkers"/> are the user's
    /// <c>-npp</c>/<c>-nps</c> (null: chosen here); with a budget, the cases in flight are as many as it covers.
    /// </summary>
    public static BatchPlan Create(
        SegModel model, IReadOnlyList<BatchCase> cases, BatchMemoryBudget budget, int? preprocessWorkers, int? exportWorkers, int cores)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(budget);
        // The network stage takes the cores it is given; one reader and one writer per four cores keep it fed without starving it.
        int defaultWorkers = Math.Clamp(cores / 4, 1, 4);
        int readers = preprocessWorkers ?? defaultWorkers;
        int writers = exportWorkers ?? defaultWorkers;
        if (readers < 1 || writers < 1)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"-npp {readers} and -nps {writers}: each stage needs at least one worker");
        }

        // The cases' plans count the sessions' working memory in full until a tile ran: what the arena prefault has
        // faulted in is left out of the reading, not counted twice. Read first, it never exceeds what the reading holds.
        long prefaulted = model.PrefaultedBytes;
        long resident = CurrentResidentBytes() - prefaulted;
        CaseAdmission[] admissions = [.. cases.Select(c => CaseAdmission.Create(model, c, budget))];
        Dictionary<string, SegEngineException> refusals = admissions
            .Where(a => a.Refusal is not null)
            .ToDictionary(a => a.Case.CaseId, a => a.Refusal!, StringComparer.Ordinal);
        CaseAdmission? largest = admissions
            .Where(a => a.Plan is not null)
            .MaxBy(a => a.Image!.Value.Voxels);
        int saturation = BatchOptions.Saturation(readers, writers);
        if (largest?.Plan is not { } plan)
        {
            return new BatchPlan(new BatchOptions(readers, writers, saturation), null, null, budget, resident, Math.Min(saturation, cases.Count), refusals);
        }

        int inFlight = saturation;
        if (!budget.IsUnlimited)
        {
            // The largest case fits (it was admitted); each further case in flight adds its per-case part.
            long shared = budget.Needed(plan) - plan.PerCaseBytes;
            long fits = (budget.Bytes - shared) / Math.Max(1, plan.PerCaseBytes);
            inFlight = (int)Math.Clamp(fits, 1, saturation);
        }

        return new BatchPlan(
            new BatchOptions(readers, writers, inFlight), largest.Image, plan, budget, resident, Math.Min(inFlight, cases.Count), refusals);
    }

    private static long CurrentResidentBytes()
    {
        using Process self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }
}
