namespace SegEngine.Resampling;

/// <summary>
/// For one axis of an order-1 resampling, the two input taps (low, high) and float64 weights (w0, w1) of every output
/// index: the form in which <see cref="TrilinearStencil"/> reads all three axes alike.
/// </summary>
/// <remarks>
/// Linear taps are SciPy's order-1 <see cref="SplineTaps"/>. A selection (nearest along the separate-z axis, or the
/// identity) is written as taps (i, i) with weights (1, 0), which reproduces nnU-Net's 2-D in-plane sum bit for bit
/// (docs/fused-export.md, section 2).
/// </remarks>
internal sealed class TapPairs
{
    private TapPairs(int inputLength, int[] low, int[] high, double[] w0, double[] w1)
    {
        InputLength = inputLength;
        Low = low;
        High = high;
        W0 = w0;
        W1 = w1;
    }

    public int InputLength { get; }

    public int OutputLength => Low.Length;

    public int[] Low { get; }

    public int[] High { get; }

    public double[] W0 { get; }

    public double[] W1 { get; }

    /// <summary>SciPy <c>zoom(order=1, grid_mode=True, mode='nearest')</c> from <paramref name="inputLength"/> to <paramref name="outputLength"/>.</summary>
    public static TapPairs Linear(int inputLength, int outputLength)
    {
        SplineTaps taps = SplineTaps.Create(inputLength, outputLength, order: 1);
        int m = outputLength;
        return new TapPairs(
            inputLength,
            taps.IndexByTap.AsSpan(0, m).ToArray(),
            taps.IndexByTap.AsSpan(m, m).ToArray(),
            taps.WeightByTap.AsSpan(0, m).ToArray(),
            taps.WeightByTap.AsSpan(m, m).ToArray());
    }

    /// <summary>The separate-z axis: <c>map_coordinates(order=0, mode='nearest')</c>, i.e. SciPy's order-0 taps.</summary>
    public static TapPairs Nearest(int inputLength, int outputLength)
    {
        SplineTaps taps = SplineTaps.Create(inputLength, outputLength, order: 0);
        return Selection(inputLength, taps.IndexByTap);
    }

    /// <summary>Taps made elsewhere (torch's, <see cref="TorchResamplingGrid"/>).</summary>
    public static TapPairs FromTaps(int inputLength, int[] low, int[] high, double[] w0, double[] w1) => new(inputLength, low, high, w0, w1);

    /// <summary>An axis whose length does not change: output o reads input o.</summary>
    public static TapPairs Identity(int length) => Selection(length, Enumerable.Range(0, length).ToArray());

    private static TapPairs Selection(int inputLength, int[] index)
    {
        var w0 = new double[index.Length];
        Array.Fill(w0, 1.0);
        return new TapPairs(inputLength, index, (int[])index.Clone(), w0, new double[index.Length]);
    }
}
