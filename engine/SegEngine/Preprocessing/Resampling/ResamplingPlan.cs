using SegEngine.Resampling;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// What <c>resample_data_or_seg_to_shape</c> will do for one case: the shapes, and whether and along which axis the
/// low-resolution axis is resampled separately (in-plane resize per slice, then nearest along that axis).
/// </summary>
/// <remarks>nnU-Net 2.8.1 <c>preprocessing/resampling/default_resampling.py</c>; nnunet-parity.md §3.3 and §3.5.</remarks>
internal sealed record ResamplingPlan
{
    private ResamplingPlan(Shape3 inputShape, Shape3 outputShape, bool separateZ, int lowResolutionAxis)
    {
        InputShape = inputShape;
        OutputShape = outputShape;
        SeparateZ = separateZ;
        LowResolutionAxis = lowResolutionAxis;
    }

    public Shape3 InputShape { get; }

    public Shape3 OutputShape { get; }

    /// <summary>True when the slices along <see cref="LowResolutionAxis"/> are resized one by one.</summary>
    public bool SeparateZ { get; }

    /// <summary>0, 1 or 2 with <see cref="SeparateZ"/>; −1 otherwise.</summary>
    public int LowResolutionAxis { get; }

    /// <summary>nnU-Net returns the input untouched (no clip, no cast) when the shape does not change.</summary>
    public bool IsPassThrough => InputShape == OutputShape;

    /// <summary>Decides separate-z for resampling <paramref name="inputShape"/> to <paramref name="outputShape"/>.</summary>
    public static ResamplingPlan Create(Shape3 inputShape, Shape3 outputShape, ReadOnlySpan<double> currentSpacing, ReadOnlySpan<double> newSpacing, bool? forceSeparateZ)
    {
        RequirePositive(inputShape, nameof(inputShape));
        RequirePositive(outputShape, nameof(outputShape));
        (bool separate, int axis) = SeparateZRule.Determine(forceSeparateZ, currentSpacing, newSpacing);
        return new ResamplingPlan(inputShape, outputShape, separate, axis);
    }

    /// <summary>
    /// <c>compute_new_shape</c>: <c>round_half_even(current[i] / target[i] * shape[i])</c> in float64, left to right.
    /// </summary>
    /// <exception cref="SegEngineException">A spacing is not positive and finite, an axis would be empty or too long, or the volume too large for one buffer.</exception>
    public static Shape3 ComputeNewShape(Shape3 shape, ReadOnlySpan<double> currentSpacing, ReadOnlySpan<double> targetSpacing)
    {
        SpacingChecks.Require(currentSpacing, "current spacing");
        SpacingChecks.Require(targetSpacing, "target spacing");
        Span<int> axes = stackalloc int[3];
        for (int i = 0; i < 3; i++)
        {
            double length = Math.Round(currentSpacing[i] / targetSpacing[i] * shape[i], MidpointRounding.ToEven);
            if (!(length >= 1) || length > int.MaxValue)
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidInput,
                    $"resampling {shape} from spacing {SpacingChecks.Format(currentSpacing)} to {SpacingChecks.Format(targetSpacing)} gives axis {i} length {length:G}; expected 1 to {int.MaxValue}");
            }

            axes[i] = (int)length;
        }

        // Each axis fits an int, their product may not fit anything: checked here in float64, before any buffer is sized by it.
        double voxels = (double)axes[0] * axes[1] * axes[2];
        if (voxels > Array.MaxLength)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"resampling {shape} from spacing {SpacingChecks.Format(currentSpacing)} to {SpacingChecks.Format(targetSpacing)} gives {Shape3.FromArray(axes)}, {voxels:E2} voxels; one volume holds at most {Array.MaxLength}");
        }

        return Shape3.FromArray(axes);
    }

    /// <summary>
    /// The preprocessing target spacing (nnunet-parity.md §3.3): the plan's spacing in 3-D; in 2-D the case's own axis-0
    /// spacing followed by the plan's two in-plane spacings, so axis 0 is never resampled.
    /// </summary>
    public static double[] TargetSpacing(ReadOnlySpan<double> transposedSpacing, ReadOnlySpan<double> planSpacing)
    {
        SpacingChecks.Require(transposedSpacing, "case spacing");
        return planSpacing.Length switch
        {
            3 => planSpacing.ToArray(),
            2 => [transposedSpacing[0], planSpacing[0], planSpacing[1]],
            _ => throw new SegEngineException(SegErrorCode.InvalidModel, $"plans spacing has {planSpacing.Length} entries; expected 2 (2d) or 3 (3d)"),
        };
    }

    private static void RequirePositive(Shape3 shape, string name)
    {
        if (shape.Z <= 0 || shape.Y <= 0 || shape.X <= 0)
        {
            throw new ArgumentOutOfRangeException(name, shape, "every axis must be positive");
        }
    }
}
