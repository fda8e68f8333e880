using System.Globalization;
using SegEngine.Export;
using SegEngine.Model;
using SegEngine.Preprocessing;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Pipeline;

/// <summary>Signs that a case, though it ran, may be the wrong input for the model: users read these in the batch report.</summary>
internal static class CaseWarnings
{
    /// <summary>A spacing ratio past this on any axis usually means the wrong model or a wrong header.</summary>
    private const double SpacingFactor = 4;

    /// <summary>
    /// Flags a case whose voxel spacing is far from the model's: nnU-Net resamples it silently, but a factor above
    /// four on an axis is rarely intended.
    /// </summary>
    public static void CheckSpacing(ModelFolder folder, PreprocessingProperties properties, CaseContext context)
    {
        double[] spacing = properties.TransposedSpacing(folder.Plans.TransposeForward);
        double[] target = ResamplingPlan.TargetSpacing(spacing, folder.Configuration.Spacing);
        for (int axis = 0; axis < 3; axis++)
        {
            double ratio = spacing[axis] / target[axis];
            if (ratio > SpacingFactor || ratio < 1 / SpacingFactor)
            {
                context.Warn(string.Create(
                    CultureInfo.InvariantCulture,
                    $"axis {axis} spacing {spacing[axis]:G6} mm is {ratio:G3} x the model's {target[axis]:G6} mm; the network sees a strongly resampled image"));
            }
        }
    }

    public static void CheckNotEmpty(LabelMap labels, CaseContext context)
    {
        bool backgroundOnly = labels.IsUInt16 ? !labels.UInt16.ContainsAnyExcept((ushort)0) : !labels.Bytes.ContainsAnyExcept((byte)0);
        if (backgroundOnly)
        {
            context.Warn("the segmentation is empty: every voxel is background");
        }
    }
}
