namespace SegEngine.Resampling;

/// <summary>
/// The export's <see cref="ResamplingGrid"/> for <c>resample_torch_fornnunet</c>: torch's linear taps on every axis, or
/// with separate-z <c>nearest-exact</c> along the low-resolution axis.
/// Weights are torch's float32 values held in the grid's doubles, exactly.
/// </summary>
/// <remarks>nnU-Net 2.8.1 <c>preprocessing/resampling/resample_torch.py</c>; nnunet-parity.md §3.5 and §5.</remarks>
internal static class TorchResamplingGrid
{
    /// <summary>The grid for <paramref name="layout"/>, the layout of the array nnU-Net hands to torch.</summary>
    public static ResamplingGrid Create(Shape3 input, Shape3 output, int? separateZAxis, TorchLayout layout)
    {
        var taps = new TapPairs<double>[3];
        for (int axis = 0; axis < 3; axis++)
        {
            int n = input[axis], m = output[axis];
            taps[axis] = axis == separateZAxis
                ? TapPairs<double>.Selection(n, TorchTaps.NearestExact(n, m))
                : TorchTaps.Linear<double>(n, m);
        }

        return ResamplingGrid.FromTorchAxes(input, output, taps[0], taps[1], taps[2], separateZAxis, layout);
    }
}
