using System.Globalization;
using SegEngine.Inference;
using SegEngine.Io;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// One case's plan from its first channel's header alone (<see cref="IImageReaderWriter.ProbeHeader"/>: the shape and
/// spacing the model's reader will produce, in every format it reads), before any voxel is read: its memory plan, or why it is
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
        ImageHeader header;
        try
        {
            header = model.ReaderWriter.ProbeHeader(file);
        }
        catch (Exception e) when (e is SegEngineException or IOException or UnauthorizedAccessException)
        {
            // A header the reader cannot use: the read stage reports the case with the reader's full reason.
            return new CaseAdmission(item, null, null, null);
        }

        Shape3 shape = header.Shape;
        double voxels = (double)shape.Z * shape.Y * shape.X;
        if (voxels > Array.MaxLength)
        {
            // Checked in float64: three int axes overflow a long, and the plan multiplies the count further.
            string message = string.Create(
                CultureInfo.InvariantCulture, $"{Name(item)}: refused before reading its voxels: its header declares {shape}, {voxels:E2} voxels; one volume holds at most {Array.MaxLength}");
            return new CaseAdmission(item, null, null, new SegEngineException(SegErrorCode.MemoryBudget, message));
        }

        IReadOnlyList<double> spacing = header.Spacing;
        if (spacing.Count != 3 || spacing.Any(s => !(s > 0) || !double.IsFinite(s)))
        {
            // The reader refuses these naming the field; finite hostile values are this plan's to refuse.
            return new CaseAdmission(item, null, null, null);
        }

        MemoryPlan plan;
        try
        {
            plan = model.PlanMemory(shape, spacing, item.Probabilities);
        }
        catch (MemoryBudgetException e)
        {
            // Over the model's own budget (the user's --memory-budget) at every batch size: refused as any plan over the budget.
            plan = e.Plan;
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
