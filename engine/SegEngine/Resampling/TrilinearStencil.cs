namespace SegEngine.Resampling;

/// <summary>
/// The 8 input taps and weights of one output voxel of an order-1 resampling, and the float64 sum nnU-Net computes over
/// them: the one place that sum is written.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.5: taps in lexicographic order (z slowest, x fastest), each term ((v·w_z)·w_y)·w_x, accumulated into a
/// float64 that starts at +0. The order and the rounding of every step are contract: do not reorder or fuse them.
/// </remarks>
internal readonly struct TrilinearStencil
{
    private readonly int row0;
    private readonly int row1;
    private readonly int x0;
    private readonly int x1;
    private readonly double wz0;
    private readonly double wz1;
    private readonly double wy0;
    private readonly double wy1;
    private readonly double wx0;
    private readonly double wx1;

    public TrilinearStencil(ResamplingGrid grid, int oz, int oy, int ox)
    {
        TapPairs tz = grid.Z, ty = grid.Y, tx = grid.X;
        int width = grid.InputShape.X;
        LowSlice = tz.Low[oz];
        HighSlice = tz.High[oz];
        row0 = ty.Low[oy] * width;
        row1 = ty.High[oy] * width;
        x0 = tx.Low[ox];
        x1 = tx.High[ox];
        wz0 = tz.W0[oz];
        wz1 = tz.W1[oz];
        wy0 = ty.W0[oy];
        wy1 = ty.W1[oy];
        wx0 = tx.W0[ox];
        wx1 = tx.W1[ox];
    }

    /// <summary>The input slice (axis 0) of the low taps.</summary>
    public int LowSlice { get; }

    /// <summary>The input slice (axis 0) of the high taps.</summary>
    public int HighSlice { get; }

    /// <summary>
    /// The float64 sum over one class's planes (y·x each) of input slices <see cref="LowSlice"/> and <see cref="HighSlice"/>.
    /// </summary>
    public double Sum(ReadOnlySpan<Half> low, ReadOnlySpan<Half> high)
    {
        double t = 0.0;
        t += (((double)low[row0 + x0] * wz0) * wy0) * wx0;
        t += (((double)low[row0 + x1] * wz0) * wy0) * wx1;
        t += (((double)low[row1 + x0] * wz0) * wy1) * wx0;
        t += (((double)low[row1 + x1] * wz0) * wy1) * wx1;
        t += (((double)high[row0 + x0] * wz1) * wy0) * wx0;
        t += (((double)high[row0 + x1] * wz1) * wy0) * wx1;
        t += (((double)high[row1 + x0] * wz1) * wy1) * wx0;
        t += (((double)high[row1 + x1] * wz1) * wy1) * wx1;
        return t;
    }
}
