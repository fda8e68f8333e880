using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Preprocessing;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Pipeline;

/// <summary>A case's memory plan from its shape and spacing alone, so a case too large for the budget is refused before any work.</summary>
internal static class CaseMemoryPlanner
{
    /// <summary>
    /// The image, its preprocessed volume on the target grid (uncropped, so an upper bound), the inference buffers, the
    /// label map and what <paramref name="probabilities"/> holds, for an image of <paramref name="imageShape"/> with
    /// <paramref name="spacing"/> (both in the reader's z, y, x order).
    /// </summary>
    /// <exception cref="SegEngineException">The plan exceeds <see cref="InferenceOptions.MemoryBudgetGb"/> at every batch size.</exception>
    public static MemoryPlan Plan(LoadedModel model, Shape3 imageShape, IReadOnlyList<double> spacing, ProbabilityOutput probabilities)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        int[] transposeForward = model.Folder.Plans.TransposeForward;
        Shape3 transposed = Transposition.TransposeShape(imageShape, transposeForward);
        double[] transposedSpacing = Transposition.TransposeSpacing(spacing, transposeForward);
        double[] target = ResamplingPlan.TargetSpacing(transposedSpacing, model.Folder.Configuration.Spacing);
        Shape3 network = PlannedResampling.ResampledShape(model.Folder.Configuration.ResamplingData, transposed, transposedSpacing, target);
        long labelBytes = imageShape.Voxels * model.LabelBytesPerVoxel;
        long imageBytes = model.Folder.Dataset.ChannelNames.Count * imageShape.Voxels * sizeof(float);
        OrtTileNetwork first = model.Folds[0];
        bool keepsLogits = probabilities != ProbabilityOutput.None;
        bool regions = model.Folder.Labels.HasRegions;
        long exportBytes = SegmentationExporter.PlannedWorkingBytes(network, first.HeadCount, regions, wholeVolume: keepsLogits);

        // Kept logits are collected row by row (LogitVolumeSink) and exported later; otherwise the export takes the slabs.
        long sinkBytesPerSlice = keepsLogits ? 0 : SegmentationExporter.SummaryBytesPerSlice(network, regions);

        // The probabilities follow the label export, once its working memory is released.
        exportBytes = keepsLogits ? Math.Max(exportBytes, ProbabilityWriter.PlannedWorkingBytes(imageShape)) : exportBytes;
        long probabilityBytes = probabilities == ProbabilityOutput.Memory ? first.HeadCount * imageShape.Voxels * sizeof(float) : 0;
        return model.Predictor.Plan(network, model.Folds, keepsLogits, imageBytes, labelBytes, exportBytes, probabilityBytes, sinkBytesPerSlice);
    }

    /// <summary>Refuses a case before preprocessing when its plan cannot fit the budget, releasing <paramref name="data"/> then.</summary>
    public static void CheckBudget(LoadedModel model, VolumeBuffer<float> data, IReadOnlyList<double> spacing, ProbabilityOutput probabilities)
    {
        if (model.Inference.MemoryBudgetGb == 0)
        {
            return;
        }

        try
        {
            Plan(model, data.Shape, spacing, probabilities);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }
}
