using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Preprocessing;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Pipeline;

/// <summary>A case's memory plan from its shape and spacing alone, so a case too large for the budget is refused before any work.</summary>
internal static class CaseMemoryPlanner
{
    /// <summary>
    /// The plan for an image of <paramref name="imageShape"/> with <paramref name="spacing"/> (both in the reader's z, y,
    /// x order): preprocessing (the image, its preprocessed volume on the target grid, uncropped so an upper bound, and
    /// the working memory between them), then the network stage without the image, which preprocessing released (the
    /// preprocessed volume, the inference buffers, the label map and what <paramref name="probabilities"/> holds).
    /// </summary>
    /// <exception cref="SegEngineException">The plan exceeds <see cref="InferenceOptions.MemoryBudgetGb"/> at every batch size.</exception>
    public static MemoryPlan Plan(LoadedModel model, Shape3 imageShape, IReadOnlyList<double> spacing, ProbabilityOutput probabilities)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        ConfigurationPlan configuration = model.Folder.Configuration;
        int[] transposeForward = model.Folder.Plans.TransposeForward;
        Shape3 transposed = Transposition.TransposeShape(imageShape, transposeForward);
        double[] transposedSpacing = Transposition.TransposeSpacing(spacing, transposeForward);
        double[] target = ResamplingPlan.TargetSpacing(transposedSpacing, configuration.Spacing);
        Shape3 network = PlannedResampling.ResampledShape(configuration.ResamplingData, transposed, transposedSpacing, target);
        long labelBytes = imageShape.Voxels * model.LabelBytesPerVoxel;
        int channels = model.Folder.Dataset.ChannelNames.Count;
        long imageBytes = channels * imageShape.Voxels * sizeof(float);
        var resampling = ResamplingPlan.Create(transposed, network, transposedSpacing, target, configuration.ResamplingData.ForceSeparateZ);
        long resamplerBytes = PlannedResampling.DataWorkingBytes(configuration.ResamplingData, resampling);

        // The nonzero mask (a byte a voxel) and a transposed or cropped copy of the image exist only before the
        // preprocessed volume does, beside the image; the resampler's working memory only beside that volume. The
        // working memory is whichever needs more room beyond the image and the preprocessed volume.
        OrtTileNetwork first = model.Folds[0];
        long preprocessedBytes = first.InputChannels * network.Voxels * sizeof(float);
        var preprocessing = new PreprocessingMemory(imageBytes, Math.Max(resamplerBytes, imageBytes + imageShape.Voxels - preprocessedBytes));
        bool keepsLogits = probabilities != ProbabilityOutput.None;
        bool regions = model.Folder.Labels.HasRegions;
        long exportBytes = SegmentationExporter.PlannedWorkingBytes(network, first.HeadCount, regions, wholeVolume: keepsLogits);

        // Kept logits are collected row by row (LogitVolumeSink) and exported later; otherwise the export takes the slabs.
        long sinkBytesPerSlice = keepsLogits ? 0 : SegmentationExporter.SummaryBytesPerSlice(network, regions);

        // The probabilities follow the label export, once its working memory is released.
        exportBytes = keepsLogits ? Math.Max(exportBytes, ProbabilityWriter.PlannedWorkingBytes(imageShape)) : exportBytes;
        long probabilityBytes = probabilities == ProbabilityOutput.Memory ? first.HeadCount * imageShape.Voxels * sizeof(float) : 0;
        return model.Predictor.Plan(network, model.Folds, keepsLogits, preprocessing, labelBytes, exportBytes, probabilityBytes, sinkBytesPerSlice);
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
