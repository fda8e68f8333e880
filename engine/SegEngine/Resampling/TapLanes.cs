using SegEngine.Kernels;

namespace SegEngine.Resampling;

/// <summary>
/// Some output indices of one axis, with their taps and weights copied out of the axis table (<see cref="TapPairs{TWeight}"/>)
/// side by side, so a vector kernel reads lane i's taps at index i; and the input ranges those taps cover.
/// </summary>
/// <remarks>
/// The export's exact path computes only the voxels of a row its fast path left undecided; gathering them into lanes
/// lets one kernel call per class serve them all, however they are scattered. Reused row after row: <see cref="Select"/>
/// overwrites the previous choice and allocates nothing.
/// </remarks>
internal sealed class TapLanes
{
    /// <summary>
    /// The shortest range: the scaling kernel's shortest vector step, so that the 2 or 3 inputs an isolated undecided voxel
    /// reads are not scaled one at a time. The inputs a range adds around its taps are scaled but never read.
    /// </summary>
    private const int MinimumRange = SegKernels.ScaleBlock;

    /// <summary>Inputs this close to the previous range join it: scaling a few unused inputs costs less than another call.</summary>
    private const int RangeGap = 8;

    private readonly TapPairs<double> axis;
    private readonly int[] output;
    private readonly int[] low;
    private readonly int[] high;
    private readonly double[] w0;
    private readonly double[] w1;
    private readonly int[] rangeFirst;
    private readonly int[] rangeLast;

    public TapLanes(TapPairs<double> axis)
    {
        this.axis = axis;
        int length = axis.OutputLength;
        output = new int[length];
        low = new int[length];
        high = new int[length];
        w0 = new double[length];
        w1 = new double[length];
        rangeFirst = new int[length];
        rangeLast = new int[length];
    }

    /// <summary>The axis the lanes come from.</summary>
    public TapPairs<double> Axis => axis;

    public int Count { get; private set; }

    /// <summary>The number of input ranges (<see cref="RangeFirst"/>, <see cref="RangeLast"/>) the lanes read.</summary>
    public int RangeCount { get; private set; }

    /// <summary>The output index of each lane.</summary>
    public ReadOnlySpan<int> Output => output.AsSpan(0, Count);

    public ReadOnlySpan<int> Low => low.AsSpan(0, Count);

    public ReadOnlySpan<int> High => high.AsSpan(0, Count);

    public ReadOnlySpan<double> W0 => w0.AsSpan(0, Count);

    public ReadOnlySpan<double> W1 => w1.AsSpan(0, Count);

    /// <summary>The first input of each range, ascending; a range spans at least 8 inputs where the axis has them.</summary>
    public ReadOnlySpan<int> RangeFirst => rangeFirst.AsSpan(0, RangeCount);

    /// <summary>The last input of each range (inclusive).</summary>
    public ReadOnlySpan<int> RangeLast => rangeLast.AsSpan(0, RangeCount);

    /// <summary>Lanes for the output indices where <paramref name="labels"/> holds <paramref name="marker"/>, in order.</summary>
    public void Select(ReadOnlySpan<int> labels, int marker)
    {
        Clear();
        for (int o = labels.IndexOf(marker); o >= 0;)
        {
            Add(o);
            int next = labels[(o + 1)..].IndexOf(marker);
            o = next < 0 ? -1 : o + 1 + next;
        }
    }

    /// <summary>A lane for every output index of the axis.</summary>
    public void SelectAll()
    {
        Clear();
        for (int o = 0; o < axis.OutputLength; o++)
        {
            Add(o);
        }
    }

    private void Clear()
    {
        Count = 0;
        RangeCount = 0;
    }

    /// <summary>Adds output index <paramref name="o"/>; indices come in ascending order, so taps never decrease.</summary>
    private void Add(int o)
    {
        int a = axis.Low[o], b = axis.High[o];
        output[Count] = o;
        low[Count] = a;
        high[Count] = b;
        w0[Count] = axis.W0[o];
        w1[Count] = axis.W1[o];
        Count++;
        int first = Math.Max(0, Math.Min(a, axis.InputLength - MinimumRange));
        int last = Math.Min(axis.InputLength - 1, Math.Max(b, first + MinimumRange - 1));
        if (RangeCount > 0 && first <= rangeLast[RangeCount - 1] + RangeGap)
        {
            rangeLast[RangeCount - 1] = Math.Max(rangeLast[RangeCount - 1], last);
        }
        else
        {
            rangeFirst[RangeCount] = first;
            rangeLast[RangeCount] = last;
            RangeCount++;
        }
    }
}
