using SegEngine.Preprocessing.Resampling;
namespace SegEngine.Export;

/// <summary>The per-axis taps that map the preprocessed grid onto the cropped original grid for one export plan.</summary>
/// <remarks>
/// nnU-Net <c>resample_data_or_seg</c>: unchanged shape → no resampling at all; separate-z → nearest along the low-resolution
/// axis (identity when its length is unchanged) and linear in-plane; otherwise linear on all three axes. Contract §3.5, §5 step 1.
/// </remarks>
internal sealed class ResamplingGrid
{
    private ResamplingGrid(AxisTaps z, AxisTaps y, AxisTaps x, int? lowResAxis)
    {
        Z = z;
        Y = y;
        X = x;
        LowResAxis = lowResAxis;
    }

    public AxisTaps Z { get; }

    public AxisTaps Y { get; }

    public AxisTaps X { get; }

    /// <summary>The separate-z axis, or null (also null when nothing is resampled).</summary>
    public int? LowResAxis { get; }

    public AxisTaps this[int axis] => axis switch
    {
        0 => Z,
        1 => Y,
        2 => X,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    public static ResamplingGrid For(ExportPlan plan)
    {
        Shape3 input = plan.PreprocessedShape;
        Shape3 output = plan.ShapeAfterCropping;
        if (!plan.Resamples)
        {
            return new ResamplingGrid(AxisTaps.Identity(input.Z), AxisTaps.Identity(input.Y), AxisTaps.Identity(input.X), null);
        }

        (bool separateZ, int lowResAxis) = ResamplingPlan.DetermineSeparateZ(plan.Resampling.ForceSeparateZ, plan.CurrentSpacing, plan.NewSpacing);
        int? lowRes = separateZ ? lowResAxis : null;
        var taps = new AxisTaps[3];
        for (int axis = 0; axis < 3; axis++)
        {
            taps[axis] = axis != lowRes
                ? AxisTaps.Linear(input[axis], output[axis])
                : input[axis] == output[axis] ? AxisTaps.Identity(input[axis]) : AxisTaps.Nearest(input[axis], output[axis]);
        }

        return new ResamplingGrid(taps[0], taps[1], taps[2], lowRes);
    }
}
