using System.Diagnostics;
using System.Globalization;
using SegEngine.Inference;
using SegEngine.Io;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// The batch's plan before any case is read: the largest case (from the NIfTI headers alone), its memory plan, and from
/// those and the core count the workers per stage and the number of cases that may be in flight.
/// </summary>
/// <param name="Options">Workers per stage and cases in flight.</param>
/// <param name="LargestImage">The largest case's shape by its header; null when no header was readable.</param>
/// <param name="LargestCasePlan">That case's memory plan.</param>
/// <param name="BudgetBytes">The memory budget; 0 means unlimited.</param>
/// <param name="ResidentBeforeCasesBytes">The process's resident set when the plan was made: after the model loaded, before any case.</param>
/// <param name="CasesAtOnce">The cases that can be in flight together: the admission limit, or fewer when the batch is smaller.</param>
internal sealed record BatchPlan(
    BatchOptions Options, Shape3? LargestImage, MemoryPlan? LargestCasePlan, long BudgetBytes, long ResidentBeforeCasesBytes, int CasesAtOnce)
{
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
    /// <exception cref="SegEngineException">Not even one case of the largest size fits the budget.</exception>
    public static BatchPlan Create(SegModel model, IReadOnlyList<BatchCase> cases, int? preprocessWorkers, int? exportWorkers, int cores)
    {
        ArgumentNullException.ThrowIfNull(model);
        // The network stage takes the cores it is given; one reader and one writer per four cores keep it fed without starving it.
        int defaultWorkers = Math.Clamp(cores / 4, 1, 4);
        int readers = preprocessWorkers ?? defaultWorkers;
        int writers = exportWorkers ?? defaultWorkers;
        if (readers < 1 || writers < 1)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"-npp {readers} and -nps {writers}: each stage needs at least one worker");
        }

        long resident = CurrentResidentBytes();
        (Shape3 Shape, double[] Spacing)? largest = FindLargestImage(cases);
        int saturation = BatchOptions.Saturation(readers, writers);
        double budgetGb = model.Inference.MemoryBudgetGb;
        if (largest is not { } image)
        {
            return new BatchPlan(new BatchOptions(readers, writers, saturation), null, null, 0, resident, Math.Min(saturation, cases.Count));
        }

        bool probabilities = cases.Any(c => c.ProbabilitiesFile is not null);
        MemoryPlan plan = model.PlanMemory(image.Shape, image.Spacing, probabilities);
        long budget = (long)(budgetGb * (1L << 30));
        int inFlight = saturation;
        if (budget > 0)
        {
            long shared = plan.TotalBytes - plan.PerCaseBytes;
            long fits = (budget - shared) / Math.Max(1, plan.PerCaseBytes);
            if (fits < 1)
            {
                throw new SegEngineException(
                    SegErrorCode.MemoryBudget,
                    string.Create(CultureInfo.InvariantCulture, $"the largest case, {image.Shape}, needs {plan.TotalBytes / 1048576.0:F1} MiB but the memory budget is {budgetGb:G} GB:\n{plan}"));
            }

            inFlight = (int)Math.Min(saturation, fits);
        }

        return new BatchPlan(new BatchOptions(readers, writers, inFlight), image.Shape, plan, budget, resident, Math.Min(inFlight, cases.Count));
    }

    private static long CurrentResidentBytes()
    {
        using Process self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    /// <summary>The case with the most voxels by its first channel's header, and its spacing; unreadable headers are left to the read stage.</summary>
    private static (Shape3 Shape, double[] Spacing)? FindLargestImage(IReadOnlyList<BatchCase> cases)
    {
        (Shape3 Shape, double[] Spacing)? largest = null;
        foreach (BatchCase item in cases)
        {
            try
            {
                NiftiHeader header = NiftiFile.ReadHeader(item.ChannelFiles[0]);
                long Dim(int axis) => header.Rank >= axis ? header.Dim[axis] : 1;
                var shape = new Shape3((int)Dim(3), (int)Dim(2), (int)Dim(1));
                double[] spacing = [Math.Abs(header.PixDim[3]), Math.Abs(header.PixDim[2]), Math.Abs(header.PixDim[1])];
                bool usable = spacing.All(s => s > 0 && double.IsFinite(s)) && shape.Voxels > 0;
                if (usable && (largest is null || shape.Voxels > largest.Value.Shape.Voxels))
                {
                    largest = (shape, spacing);
                }
            }
            catch (SegEngineException)
            {
                // The read stage reports this case with the full reason.
            }
        }

        return largest;
    }
}
