using System.Globalization;
using SegEngine.Inference;
using SegEngine.Io;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// One case's plan from its first channel's header alone, before any voxel is read: its memory plan, or why it is
/// refused (its shape or spacing cannot be planned, or the plan exceeds the budget). Each case is planned on its own,
/// so a hostile header refuses only its case.
/// </summary>
/// <param name="Case">The case.</param>
/// <param name="Image">Its shape by the header (z, y, x); null when the header was not readable (the read stage reports that).</param>
/// <param name="Plan">Its memory plan; null when refused or unreadable.</param>
/// <param name="Refusal">Why it is refused, naming the case and its file; null when admitted.</param>
internal sealed record CaseAdmission(BatchCase Case, Shape3? Image, MemoryPlan? Plan, SegEngineException? Refusal)
{
    /// <summary>Plans <paramref name="item"/> by its header against <paramref name="budget"/>.</summary>
    public static CaseAdmission Create(SegModel model, BatchCase item, BatchMemoryBudget budget)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(budget);
        string file = item.ChannelFiles[0];
        NiftiHeader header;
        try
        {
            header = NiftiFile.ReadHeader(file);
        }
        catch (SegEngineException)
        {
            // Not a NIfTI header this planner can read: the read stage reports the case with the reader's full reason.
            return new CaseAdmission(item, null, null, null);
        }

        long Dim(int axis) => header.Rank >= axis ? header.Dim[axis] : 1;
        long[] dims = [Dim(3), Dim(2), Dim(1)];
        if (dims.Any(d => d is < 1 or > int.MaxValue))
        {
            return new CaseAdmission(item, null, null, null);
        }

        var shape = new Shape3((int)dims[0], (int)dims[1], (int)dims[2]);
        double voxels = (double)dims[0] * dims[1] * dims[2];
        if (voxels > Array.MaxLength)
        {
            // Checked in float64: three int axes overflow a long, and the plan multiplies the count further.
            string message = string.Create(
                CultureInfo.InvariantCulture, $"{Name(item)}: refused before reading its voxels: its header declares {shape}, {voxels:E2} voxels; one volume holds at most {Array.MaxLength}");
            return new CaseAdmission(item, null, null, new SegEngineException(SegErrorCode.MemoryBudget, message));
        }

        double[] spacing = [Math.Abs(header.PixDim[3]), Math.Abs(header.PixDim[2]), Math.Abs(header.PixDim[1])];
        if (spacing.Any(s => !(s > 0) || !double.IsFinite(s)))
        {
            // The reader refuses these naming the pixdim field; finite hostile values are this plan's to refuse.
            return new CaseAdmission(item, null, null, null);
        }

        MemoryPlan plan;
        try
        {
            plan = model.PlanMemory(shape, spacing, item.ProbabilitiesFile is not null);
        }
        catch (SegEngineException e)
        {
            // One line: a plan over an explicit budget adds its table after the first, which the report has no room for.
            string reason = e.Message.Split('\n')[0];
            return new CaseAdmission(item, shape, null, new SegEngineException(e.Code, $"{Name(item)}: {reason}", e));
        }

        if (!budget.Fits(plan))
        {
            string message = string.Create(
                CultureInfo.InvariantCulture,
                $"{Name(item)}: refused before reading its voxels: by its header ({shape} voxels, spacing {spacing[0]:G}x{spacing[1]:G}x{spacing[2]:G}) it needs {budget.Needed(plan) / 1048576.0:F1} MiB but the memory budget is {budget}");
            return new CaseAdmission(item, shape, null, new SegEngineException(SegErrorCode.MemoryBudget, message));
        }

        return new CaseAdmission(item, shape, plan, null);
    }

    /// <summary>The case id and its first channel file, as every refusal names them.</summary>
    public static string Name(BatchCase item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return $"case {item.CaseId} ({item.ChannelFiles[0]})";
    }
}
