using SegEngine.Export;
using SegEngine.Model;
using SegEngine.Preprocessing;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Pipeline;

/// <summary>Builds a case's <see cref="ExportPlan"/> from the model and the properties its preprocessing produced.</summary>
/// <remarks>
/// nnU-Net's <c>convert_predicted_logits_to_segmentation_with_correct_shape</c> arguments (nnunet-parity.md §5 step 1): current
/// spacing = plan spacing ([spacing_t[0], *plan] in 2d), new spacing = spacing_t.
/// </remarks>
internal static class CaseExportPlan
{
    public static ExportPlan Create(ModelFolder folder, PreprocessingProperties properties, Shape3 preprocessedShape)
    {
        int[] transposeForward = folder.Plans.TransposeForward;
        double[] transposedSpacing = properties.TransposedSpacing(transposeForward);
        double[] currentSpacing = ResamplingPlan.TargetSpacing(transposedSpacing, folder.Configuration.Spacing);
        BoundingBox box = properties.BboxUsedForCropping;
        LabelManager labels = folder.Labels;
        var plan = new ExportPlan(
            labels.HeadCount,
            labels.HasRegions ? labels.RegionsClassOrder : null,
            folder.Configuration.ResamplingProbabilities,
            currentSpacing,
            transposedSpacing,
            preprocessedShape,
            properties.ShapeAfterCroppingAndBeforeResampling,
            [(box.Z0, box.Z1), (box.Y0, box.Y1), (box.X0, box.X1)],
            properties.ShapeBeforeCropping,
            folder.Plans.TransposeBackward);
        plan.Validate();
        return plan;
    }
}
