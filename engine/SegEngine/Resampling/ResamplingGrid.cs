namespace SegEngine.Resampling;

/// <summary>The per-axis tap pairs of an order-1 resampling of <see cref="InputShape"/> onto <see cref="OutputShape"/>.</summary>
/// <remarks>
/// nnU-Net <c>resample_data_or_seg</c>: unchanged shape → no resampling at all; separate-z → nearest along the low-resolution
/// axis (identity when its length is unchanged) and linear in-plane; otherwise linear on all three axes. nnunet-parity.md §3.5.
/// </remarks>
internal sealed class ResamplingGrid
{
    private ResamplingGrid(Shape3 inputShape, Shape3 outputShape, TapPairs<double> z, TapPairs<double> y, TapPairs<double> x, int? lowResAxis)
    {
        InputShape = inputShape;
        OutputShape = outputShape;
        Z = z;
        Y = y;
        X = x;
        LowResAxis = lowResAxis;
    }

    public Shape3 InputShape { get; }

    public Shape3 OutputShape { get; }

    public TapPairs<double> Z { get; }

    public TapPairs<double> Y { get; }

    public TapPairs<double> X { get; }

    /// <summary>The separate-z axis, or null (also null when nothing is resampled).</summary>
    public int? LowResAxis { get; }

    /// <summary>For torch's taps (<see cref="TorchResamplingGrid"/>), the layout that picks torch's kernel; null for SciPy's.</summary>
    public TorchLayout? Torch { get; private init; }

    public TapPairs<double> this[int axis] => axis switch
    {
        0 => Z,
        1 => Y,
        2 => X,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    /// <summary>
    /// The grid nnU-Net resamples on; <paramref name="separateZAxis"/> is <see cref="SeparateZRule.Determine"/>'s axis, or
    /// null when it says no. An unchanged shape is never resampled, whatever the rule says.
    /// </summary>
    public static ResamplingGrid Create(Shape3 input, Shape3 output, int? separateZAxis)
    {
        if (input == output)
        {
            return new ResamplingGrid(input, output, TapPairs<double>.Identity(input.Z), TapPairs<double>.Identity(input.Y), TapPairs<double>.Identity(input.X), null);
        }

        var taps = new TapPairs<double>[3];
        for (int axis = 0; axis < 3; axis++)
        {
            taps[axis] = axis != separateZAxis
                ? TapPairs.Linear(input[axis], output[axis])
                : input[axis] == output[axis] ? TapPairs<double>.Identity(input[axis]) : TapPairs.Nearest(input[axis], output[axis]);
        }

        return new ResamplingGrid(input, output, taps[0], taps[1], taps[2], separateZAxis);
    }

    /// <summary>A grid of taps made elsewhere (torch's, <see cref="TorchResamplingGrid"/>).</summary>
    public static ResamplingGrid FromTorchAxes(Shape3 input, Shape3 output, TapPairs<double> z, TapPairs<double> y, TapPairs<double> x, int? lowResAxis, TorchLayout layout) =>
        new(input, output, z, y, x, lowResAxis) { Torch = layout };

    /// <summary>The taps of output row (<paramref name="oz"/>, <paramref name="oy"/>), every x.</summary>
    public TrilinearStencil StencilAt(int oz, int oy) => new(this, oz, oy);
}
