using SegEngine.Kernels;
using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// The per-class work for the output voxels the fast path left undecided, a row at a time. With labels and many
/// classes, a voxel is first tried on the classes that win at one of its 8 taps alone (<see cref="DecideByTapWinners"/>);
/// then, with labels, the row's voxels on the classes that win at a tap of any of them (<see cref="DecideByRowTapWinners"/>).
/// The voxels left get the full work: each class's order-1
/// sums (<see cref="TrilinearStencil"/>), stored to fp16 with NumPy's direct double→half rounding
/// (<see cref="SegKernels.RoundToHalf"/>), then the argmax (ties to the lowest class) or the region thresholds with later
/// heads winning. The undecided voxels of a row are gathered into vector lanes (<see cref="TapLanes"/>); each voxel's
/// value is exactly the scalar sum's.
/// </summary>
/// <remarks>skimage's per-class clip is left out on purpose: docs/fused-export.md, "Why the clip is a no-op".</remarks>
internal static class ExactVoxel
{
    /// <summary>
    /// The class count from which <see cref="DecideByTapWinners"/> runs first. It costs about 300 ns a voxel on one core
    /// whatever K, the full work about 12 ns a class (AMD Zen 3, the realistic CT of <c>perf/run scale</c> with a random
    /// network, where it decides 95 % of the voxels the fast path leaves): it pays from about 26 classes on.
    /// </summary>
    internal const int TapWinnersFromClasses = 32;

    /// <summary>This thread's buffers, kept from row to row (rows are emitted on pool threads, in parallel).</summary>
    [ThreadStatic]
    private static RowScratch? scratch;

    /// <summary>
    /// Fills every <see cref="CellFastPath.Undecided"/> entry of <paramref name="labels"/>, the labels of output row
    /// <paramref name="stencil"/> (one per output x of <paramref name="grid"/>); decided entries are left as they are.
    /// <paramref name="lowSummary"/> and <paramref name="highSummary"/> summarise the stencil's two input slices.
    /// </summary>
    public static void LabelRow(
        ResamplingGrid grid,
        in TrilinearStencil stencil,
        InputPlanes planes,
        SliceSummary lowSummary,
        SliceSummary highSummary,
        int classes,
        int[]? regionsClassOrder,
        Span<int> labels)
    {
        if (!labels.Contains(CellFastPath.Undecided))
        {
            return;
        }

        SliceClassPlanes low = planes.Slice(stencil.LowSlice);
        SliceClassPlanes high = planes.Slice(stencil.HighSlice);
        if (regionsClassOrder is null && classes >= TapWinnersFromClasses)
        {
            DecideByTapWinners(stencil, low, high, lowSummary, highSummary, labels);
            if (!labels.Contains(CellFastPath.Undecided))
            {
                return;
            }
        }

        RowScratch work = RowScratch.For(ref scratch, grid);
        TapLanes lanes = work.Lanes;
        lanes.Select(labels, CellFastPath.Undecided);
        if (regionsClassOrder is null && classes >= 2 && DecideByRowTapWinners(stencil, low, high, lowSummary, highSummary, classes, work, labels))
        {
            lanes.Select(labels, CellFastPath.Undecided);
            if (lanes.Count == 0)
            {
                return;
            }
        }

        SolveLanes(stencil, low, high, classes, [], regionsClassOrder, work);
        ReadOnlySpan<int> output = lanes.Output;
        ReadOnlySpan<float> winner = work.Winner;
        for (int i = 0; i < output.Length; i++)
        {
            labels[output[i]] = (int)winner[i];
        }
    }

    /// <summary>
    /// The label of every lane of <paramref name="work"/> from the classes in <paramref name="only"/> (all when it is
    /// empty), into its <c>Winner</c>: each class's sums stored to fp16, then the argmax (ties to the lowest class; the
    /// winner's value into <c>Best</c>) or the region thresholds. The next class's inputs are prefetched meanwhile.
    /// </summary>
    private static void SolveLanes(
        in TrilinearStencil stencil, SliceClassPlanes low, SliceClassPlanes high, int classes, ReadOnlySpan<bool> only, int[]? regionsClassOrder, RowScratch work)
    {
        TapLanes lanes = work.Lanes;
        int n = lanes.Count;
        Span<double> sums = work.Sums.AsSpan(0, n);
        Span<float> value = work.Values.AsSpan(0, n);
        Span<float> best = work.Best.AsSpan(0, n);
        Span<float> runnerUp = work.RunnerUp.AsSpan(0, n);
        Span<float> winner = work.Winner.AsSpan(0, n);
        bool first = true;
        int k = NextClass(only, -1, classes);
        while (k < classes)
        {
            int next = NextClass(only, k, classes);
            if (next < classes)
            {
                stencil.Prefetch(low, high, next, lanes);
            }

            stencil.Sum(low, high, k, lanes, sums, work.ScaledRows);
            SegKernels.RoundToHalf(sums, value);
            if (regionsClassOrder is not null)
            {
                Threshold(value, first, regionsClassOrder[k], winner);
            }
            else if (first)
            {
                value.CopyTo(best);
                runnerUp.Fill(float.NegativeInfinity);
                winner.Fill(k);
            }
            else
            {
                SegKernels.ArgmaxUpdate(value, k, best, runnerUp, winner);
            }

            (k, first) = (next, false);
        }
    }

    /// <summary>The first class after <paramref name="k"/> in <paramref name="only"/> (any class when it is empty); <paramref name="classes"/> when none is left.</summary>
    private static int NextClass(ReadOnlySpan<bool> only, int k, int classes)
    {
        k++;
        while (k < classes && !only.IsEmpty && !only[k])
        {
            k++;
        }

        return k;
    }

    /// <summary>
    /// Labels the undecided voxels of the row that their taps' winners decide: the exact fp16 values of the (at most 8)
    /// classes that win at one of a voxel's taps, against a ceiling for every other class, the same sum taken over the
    /// taps' runner-up values (each bounds every class but that tap's winner). Terms and sums round monotonically, so no
    /// other class's fp16 value exceeds the rounded ceiling; where the best candidate lies strictly above it, no other
    /// class can win, not even a lower class on a tie. Elsewhere the voxel stays undecided.
    /// </summary>
    /// <remarks>
    /// Where a model's logits are near-tied (random weights), most cells mix winners and the fast path fails, yet a voxel
    /// rarely has more than two or three plausible classes: at 118 classes this replaces 118 class sums by about four.
    /// </remarks>
    private static void DecideByTapWinners(
        in TrilinearStencil stencil, SliceClassPlanes low, SliceClassPlanes high, SliceSummary lowSummary, SliceSummary highSummary, Span<int> labels)
    {
        int width = stencil.InputWidth;
        Span<float> taps = stackalloc float[8];
        Span<int> candidates = stackalloc int[8];
        (int row0, int row1) = (stencil.LowRow, stencil.HighRow);
        for (int ox = 0; ox < labels.Length; ox++)
        {
            if (labels[ox] != CellFastPath.Undecided)
            {
                continue;
            }

            (int a, int b) = stencil.TapsX(ox);
            int count = 0;
            for (int t = 0; t < 8; t++)
            {
                // Tap t in StencilRows' order: slice (bit 2), row (bit 1), x (bit 0).
                SliceSummary summary = t < 4 ? lowSummary : highSummary;
                int offset = (((t & 2) == 0 ? row0 : row1) * width) + ((t & 1) == 0 ? a : b);
                taps[t] = summary.RunnerUp[offset];
                int winner = summary.Label[offset];
                int seen = 0;
                while (seen < count && candidates[seen] != winner)
                {
                    seen++;
                }

                if (seen == count)
                {
                    candidates[count++] = winner;
                }
            }

            float ceiling = SegKernels.RoundOneToHalf(stencil.VoxelSum(taps, ox));
            int label = -1;
            float best = float.NegativeInfinity;
            for (int c = 0; c < count; c++)
            {
                int k = candidates[c];
                new StencilRows(low, high, k, row0, row1).Taps(a, b, taps);
                float value = SegKernels.RoundOneToHalf(stencil.VoxelSum(taps, ox));
                if (value > best || (value == best && k < label))
                {
                    (best, label) = (value, k);
                }
            }

            if (ceiling < best)
            {
                labels[ox] = label;
            }
        }
    }

    /// <summary>
    /// Labels the undecided voxels of the row, selected in <paramref name="work"/>'s lanes, that the row's tap winners
    /// decide: the classes that win at a tap of any of those voxels are summed exactly for each, and each voxel's best of
    /// them is taken where it lies strictly above the voxel's ceiling, the same sum over its taps' runner-up values
    /// (<see cref="DecideByTapWinners"/> argues why no other class can then win). Skipped, returning false, when those
    /// classes are more than half of all: then the full work is hardly more.
    /// </summary>
    /// <remarks>
    /// Where a confident model's cells fail the fast path, they straddle the border of two or three classes; their voxels
    /// then need two or three class sums instead of K.
    /// </remarks>
    private static bool DecideByRowTapWinners(
        in TrilinearStencil stencil,
        SliceClassPlanes low,
        SliceClassPlanes high,
        SliceSummary lowSummary,
        SliceSummary highSummary,
        int classes,
        RowScratch work,
        Span<int> labels)
    {
        TapLanes lanes = work.Lanes;
        int n = lanes.Count;
        Span<bool> winsATap = work.ClassFlags(classes);
        if (!FlagTapWinners(stencil, lanes, lowSummary, highSummary, winsATap, classes / 2))
        {
            return false;
        }

        Span<double> sums = work.Sums.AsSpan(0, n);
        Span<float> ceiling = work.Ceiling.AsSpan(0, n);
        stencil.SumOfRunnerUps(lowSummary, highSummary, lanes, sums, work.ScaledRows);
        SegKernels.RoundToHalf(sums, ceiling);
        SolveLanes(stencil, low, high, classes, winsATap, regionsClassOrder: null, work);
        ReadOnlySpan<float> best = work.Best;
        ReadOnlySpan<float> winner = work.Winner;
        ReadOnlySpan<int> output = lanes.Output;
        for (int i = 0; i < n; i++)
        {
            if (ceiling[i] < best[i])
            {
                labels[output[i]] = (int)winner[i];
            }
        }

        return true;
    }

    /// <summary>
    /// Flags the classes that win at a tap of <paramref name="lanes"/> (both slices, both rows); false, part done, as
    /// soon as more than <paramref name="most"/> are flagged.
    /// </summary>
    private static bool FlagTapWinners(in TrilinearStencil stencil, TapLanes lanes, SliceSummary low, SliceSummary high, Span<bool> winsATap, int most)
    {
        int width = stencil.InputWidth;
        ReadOnlySpan<int> lowX = lanes.Low;
        ReadOnlySpan<int> highX = lanes.High;
        int flagged = 0;
        foreach (SliceSummary summary in (ReadOnlySpan<SliceSummary>)[low, high])
        {
            foreach (int row in (ReadOnlySpan<int>)[stencil.LowRow, stencil.HighRow])
            {
                ReadOnlySpan<ushort> label = summary.Label.AsSpan(row * width, width);
                for (int i = 0; i < lowX.Length; i++)
                {
                    flagged += Flag(winsATap, label[lowX[i]]) + Flag(winsATap, label[highX[i]]);
                    if (flagged > most)
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private static int Flag(Span<bool> flags, int k)
    {
        if (flags[k])
        {
            return 0;
        }

        flags[k] = true;
        return 1;
    }

    /// <summary>Regions: a head that is on sets its label; later heads overwrite earlier ones; none on leaves 0.</summary>
    private static void Threshold(ReadOnlySpan<float> value, bool firstHead, int label, Span<float> result)
    {
        if (firstHead)
        {
            result.Clear();
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] > RegionHead.OnThreshold)
            {
                result[i] = label;
            }
        }
    }

    /// <summary>One thread's row buffers: the lanes, 4 scaled input rows and the per-lane sums, values and argmax.</summary>
    private sealed class RowScratch
    {
        private bool[] classFlags = [];

        private RowScratch(ResamplingGrid grid)
        {
            Grid = grid;
            int width = grid.OutputShape.X;
            Lanes = new TapLanes(grid.X);
            ScaledRows = new double[4 * grid.InputShape.X];
            Sums = new double[width];
            Values = new float[width];
            Best = new float[width];
            RunnerUp = new float[width];
            Winner = new float[width];
            Ceiling = new float[width];
        }

        public ResamplingGrid Grid { get; }

        public TapLanes Lanes { get; }

        public double[] ScaledRows { get; }

        public double[] Sums { get; }

        public float[] Values { get; }

        public float[] Best { get; }

        public float[] RunnerUp { get; }

        public float[] Winner { get; }

        public float[] Ceiling { get; }

        /// <summary>One flag per class, all cleared.</summary>
        public Span<bool> ClassFlags(int classes)
        {
            if (classFlags.Length < classes)
            {
                classFlags = new bool[classes];
            }

            Span<bool> flags = classFlags.AsSpan(0, classes);
            flags.Clear();
            return flags;
        }

        /// <summary>The thread's buffers for <paramref name="grid"/>, made anew only when the grid changes (a new case).</summary>
        public static RowScratch For(ref RowScratch? cached, ResamplingGrid grid)
        {
            if (cached?.Grid != grid)
            {
                cached = new RowScratch(grid);
            }

            return cached;
        }
    }
}
