namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// What <c>resample_data_or_seg_to_shape</c> will do for one case: the shapes, and whether and along which axis the
/// low-resolution axis is resampled separately (in-plane resize per slice, then nearest along that axis).
/// </summary>
/// <remarks>nnU-Net 2.8.1 <c>preprocessing/resampling/default_resampling.py</c>; contract §3.3 and §3.5.</remarks>
internal sealed record ResamplingPlan
{
    /// <summary><c>ANISO_THRESHOLD</c> in nnU-Net's <c>configuration.py</c>: max/min spacing strictly above this is anisotropic.</summary>
    public const double AnisotropyThreshold = 3.0;

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
        (bool separate, int axis) = DetermineSeparateZ(forceSeparateZ, currentSpacing, newSpacing);
        return new ResamplingPlan(inputShape, outputShape, separate, axis);
    }

    /// <summary>
    /// <c>compute_new_shape</c>: <c>round_half_even(current[i] / target[i] * shape[i])</c> in float64, left to right.
    /// </summary>
    /// <exception cref="SegEngineException">A spacing is not positive and finite, or an axis would be empty or too long.</exception>
    public static Shape3 ComputeNewShape(Shape3 shape, ReadOnlySpan<double> currentSpacing, ReadOnlySpan<double> targetSpacing)
    {
        RequireSpacing(currentSpacing, "current spacing");
        RequireSpacing(targetSpacing, "target spacing");
        Span<int> axes = stackalloc int[3];
        for (int i = 0; i < 3; i++)
        {
            double length = Math.Round(currentSpacing[i] / targetSpacing[i] * shape[i], MidpointRounding.ToEven);
            if (!(length >= 1) || length > int.MaxValue)
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidInput,
                    $"resampling {shape} from spacing {Format(currentSpacing)} to {Format(targetSpacing)} gives axis {i} length {length}; expected at least 1");
            }

            axes[i] = (int)length;
        }

        return Shape3.FromArray(axes);
    }

    /// <summary>
    /// The preprocessing target spacing (contract §3.3): the plan's spacing in 3-D; in 2-D the case's own axis-0
    /// spacing followed by the plan's two in-plane spacings, so axis 0 is never resampled.
    /// </summary>
    public static double[] TargetSpacing(ReadOnlySpan<double> transposedSpacing, ReadOnlySpan<double> planSpacing)
    {
        RequireSpacing(transposedSpacing, "case spacing");
        return planSpacing.Length switch
        {
            3 => planSpacing.ToArray(),
            2 => [transposedSpacing[0], planSpacing[0], planSpacing[1]],
            _ => throw new SegEngineException(SegErrorCode.InvalidModel, $"plans spacing has {planSpacing.Length} entries; expected 2 (2d) or 3 (3d)"),
        };
    }

    /// <summary>
    /// <c>determine_do_sep_z_and_axis</c>: forced on (lowres axis of the current spacing) or off, else anisotropy of the
    /// current spacing, then of the new one. A lowres axis shared by two or three axes switches separate-z off.
    /// </summary>
    public static (bool SeparateZ, int Axis) DetermineSeparateZ(bool? forceSeparateZ, ReadOnlySpan<double> currentSpacing, ReadOnlySpan<double> newSpacing)
    {
        RequireSpacing(currentSpacing, "current spacing");
        RequireSpacing(newSpacing, "new spacing");
        ReadOnlySpan<double> source;
        if (forceSeparateZ is bool forced)
        {
            if (!forced)
            {
                return (false, -1);
            }

            source = currentSpacing;
        }
        else if (IsAnisotropic(currentSpacing))
        {
            source = currentSpacing;
        }
        else if (IsAnisotropic(newSpacing))
        {
            source = newSpacing;
        }
        else
        {
            return (false, -1);
        }

        int axis = -1;
        int count = 0;
        double max = Math.Max(source[0], Math.Max(source[1], source[2]));
        for (int i = 0; i < 3; i++)
        {
            // get_lowres_axis: max(s) / s == 1, an exact comparison.
            if (max / source[i] == 1.0)
            {
                axis = i;
                count++;
            }
        }

        return count == 1 ? (true, axis) : (false, -1);
    }

    /// <summary><c>get_do_separate_z</c>: max(s) / min(s) &gt; 3, strictly.</summary>
    public static bool IsAnisotropic(ReadOnlySpan<double> spacing)
    {
        double max = Math.Max(spacing[0], Math.Max(spacing[1], spacing[2]));
        double min = Math.Min(spacing[0], Math.Min(spacing[1], spacing[2]));
        return max / min > AnisotropyThreshold;
    }

    private static void RequirePositive(Shape3 shape, string name)
    {
        if (shape.Z <= 0 || shape.Y <= 0 || shape.X <= 0)
        {
            throw new ArgumentOutOfRangeException(name, shape, "every axis must be positive");
        }
    }

    private static void RequireSpacing(ReadOnlySpan<double> spacing, string what)
    {
        if (spacing.Length != 3)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{what} has {spacing.Length} entries; expected 3");
        }

        foreach (double s in spacing)
        {
            if (!(s > 0) || double.IsInfinity(s))
            {
                throw new SegEngineException(SegErrorCode.InvalidInput, $"{what} {Format(spacing)} must be positive and finite");
            }
        }
    }

    private static string Format(ReadOnlySpan<double> values) =>
        "(" + string.Join(", ", values.ToArray().Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + ")";
}
