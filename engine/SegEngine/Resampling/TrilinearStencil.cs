using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SegEngine.Export;
using SegEngine.Kernels;

namespace SegEngine.Resampling;

/// <summary>
/// The taps and weights of one output row (fixed z and y, every x) of an order-1 resampling, and the float64 sum nnU-Net
/// computes over them: the one place that sum is written.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.5: 8 taps per voxel in lexicographic order (z slowest, x fastest), each term ((v·w_z)·w_y)·w_x,
/// accumulated into a float64 that starts at +0. The order and the rounding of every step are contract: do not reorder
/// or fuse them. The z and y factors are applied once per input row (<see cref="SegKernels.ScaleHalfToDouble"/>), the x
/// taps come from the axis table (<see cref="TapPairs{TWeight}"/>, as <see cref="TapLanes"/>) and the sum runs across x in vectors
/// (<see cref="SegKernels.TrilinearTapSum"/>); each lane still computes exactly the scalar sum of its voxel.
/// </remarks>
internal readonly struct TrilinearStencil
{
    private readonly TapPairs<double> x;
    private readonly int row0;
    private readonly int row1;
    private readonly double wz0;
    private readonly double wz1;
    private readonly double wy0;
    private readonly double wy1;

    public TrilinearStencil(ResamplingGrid grid, int oz, int oy)
    {
        TapPairs<double> tz = grid.Z, ty = grid.Y;
        x = grid.X;
        InputWidth = grid.InputShape.X;
        LowSlice = tz.Low[oz];
        HighSlice = tz.High[oz];
        row0 = ty.Low[oy];
        row1 = ty.High[oy];
        wz0 = tz.W0[oz];
        wz1 = tz.W1[oz];
        wy0 = ty.W0[oy];
        wy1 = ty.W1[oy];
    }

    /// <summary>The input slice (axis 0) of the low taps.</summary>
    public int LowSlice { get; }

    /// <summary>The input slice (axis 0) of the high taps.</summary>
    public int HighSlice { get; }

    /// <summary>The input row (axis 1) of the low taps.</summary>
    public int LowRow => row0;

    /// <summary>The input row (axis 1) of the high taps.</summary>
    public int HighRow => row1;

    /// <summary>The input row length; <see cref="Sum"/> needs 4 rows of it as scratch.</summary>
    public int InputWidth { get; }

    /// <summary>
    /// The float64 sums of class <paramref name="k"/> at the output x of <paramref name="lanes"/> (taken from this grid's
    /// x axis), from the class planes of input slices <see cref="LowSlice"/> (<paramref name="low"/>) and
    /// <see cref="HighSlice"/> (<paramref name="high"/>). <paramref name="scratch"/> holds at least 4 · <see cref="InputWidth"/>
    /// values and is overwritten.
    /// </summary>
    public void Sum(SliceClassPlanes low, SliceClassPlanes high, int k, TapLanes lanes, Span<double> destination, Span<double> scratch)
    {
        var rows = new StencilRows(low, high, k, row0, row1);
        SumOverRows(rows.Row0, rows.Row1, rows.Row2, rows.Row3, lanes, destination, scratch);
    }

    /// <summary>
    /// The sums <see cref="Sum"/> computes, taken over the runner-up values of the two input slices' summaries instead of
    /// one class's logits: at each tap, a bound on every class that does not win there.
    /// </summary>
    public void SumOfRunnerUps(SliceSummary low, SliceSummary high, TapLanes lanes, Span<double> destination, Span<double> scratch)
    {
        int w = InputWidth;
        ReadOnlySpan<float> lowRunnerUps = low.RunnerUp;
        ReadOnlySpan<float> highRunnerUps = high.RunnerUp;
        SumOverRows(
            lowRunnerUps.Slice(row0 * w, w), lowRunnerUps.Slice(row1 * w, w), highRunnerUps.Slice(row0 * w, w), highRunnerUps.Slice(row1 * w, w), lanes, destination, scratch);
    }

    /// <summary>
    /// The float64 sum of output voxel <paramref name="ox"/> of this row from its 8 tap values in tap order (slice, then
    /// row, then x: low before high): the sum <see cref="Sum"/> computes for that voxel's lane, term for term.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double VoxelSum(ReadOnlySpan<float> taps, int ox)
    {
        double u = x.W0[ox];
        double w = x.W1[ox];
        double t = 0.0;
        t += (((double)taps[0] * wz0) * wy0) * u;
        t += (((double)taps[1] * wz0) * wy0) * w;
        t += (((double)taps[2] * wz0) * wy1) * u;
        t += (((double)taps[3] * wz0) * wy1) * w;
        t += (((double)taps[4] * wz1) * wy0) * u;
        t += (((double)taps[5] * wz1) * wy0) * w;
        t += (((double)taps[6] * wz1) * wy1) * u;
        t += (((double)taps[7] * wz1) * wy1) * w;
        return t;
    }

    /// <summary>
    /// The sums over 4 input rows in <see cref="StencilRows"/>' order (fp16 logits or float32 values): each row's ranges
    /// that <paramref name="lanes"/> read scaled by its z and y weights into <paramref name="scratch"/>, then the tap sum.
    /// </summary>
    private void SumOverRows<T>(
        ReadOnlySpan<T> in0, ReadOnlySpan<T> in1, ReadOnlySpan<T> in2, ReadOnlySpan<T> in3, TapLanes lanes, Span<double> destination, Span<double> scratch)
        where T : unmanaged
    {
        Debug.Assert(lanes.Axis == x, "lanes of this grid's x axis");
        int w = InputWidth;
        Span<double> r0 = scratch[..w];
        Span<double> r1 = scratch.Slice(w, w);
        Span<double> r2 = scratch.Slice(2 * w, w);
        Span<double> r3 = scratch.Slice(3 * w, w);
        ReadOnlySpan<int> firsts = lanes.RangeFirst;
        ReadOnlySpan<int> lasts = lanes.RangeLast;
        for (int r = 0; r < firsts.Length; r++)
        {
            int first = firsts[r];
            int count = lasts[r] - first + 1;
            Scale(in0.Slice(first, count), wz0, wy0, r0.Slice(first, count));
            Scale(in1.Slice(first, count), wz0, wy1, r1.Slice(first, count));
            Scale(in2.Slice(first, count), wz1, wy0, r2.Slice(first, count));
            Scale(in3.Slice(first, count), wz1, wy1, r3.Slice(first, count));
        }

        SegKernels.TrilinearTapSum(r0, r1, r2, r3, lanes.Low, lanes.High, lanes.W0, lanes.W1, destination);
    }

    /// <summary>(v·<paramref name="first"/>)·<paramref name="second"/> in float64: fp16 rows by the vector kernel, float32 rows (summaries) term by term.</summary>
    private static void Scale<T>(ReadOnlySpan<T> source, double first, double second, Span<double> destination)
        where T : unmanaged
    {
        if (typeof(T) == typeof(Half))
        {
            SegKernels.ScaleHalfToDouble(MemoryMarshal.Cast<T, Half>(source), first, second, destination);
            return;
        }

        ReadOnlySpan<float> values = MemoryMarshal.Cast<T, float>(source);
        for (int i = 0; i < values.Length; i++)
        {
            destination[i] = ((double)values[i] * first) * second;
        }
    }

    /// <summary>The input x of output voxel <paramref name="ox"/>'s low and high taps.</summary>
    public (int Low, int High) TapsX(int ox) => (x.Low[ox], x.High[ox]);

    /// <summary>
    /// Asks the CPU for the inputs a later <see cref="Sum"/> of another class will read (the 4 rows' ranges): a class plane
    /// lies far from the previous one and a row's ranges are short, so the hardware prefetchers do not see them coming.
    /// </summary>
    public void Prefetch(SliceClassPlanes low, SliceClassPlanes high, int k, TapLanes lanes)
    {
        ReadOnlySpan<int> firsts = lanes.RangeFirst;
        ReadOnlySpan<int> lasts = lanes.RangeLast;
        var rows = new StencilRows(low, high, k, row0, row1);
        for (int r = 0; r < firsts.Length; r++)
        {
            int first = firsts[r];
            int count = lasts[r] - first + 1;
            SegKernels.Prefetch(rows.Row0.Slice(first, count));
            SegKernels.Prefetch(rows.Row1.Slice(first, count));
            SegKernels.Prefetch(rows.Row2.Slice(first, count));
            SegKernels.Prefetch(rows.Row3.Slice(first, count));
        }
    }
}
