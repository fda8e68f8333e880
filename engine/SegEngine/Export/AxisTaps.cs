namespace SegEngine.Export;

/// <summary>
/// For one axis, the two input taps and float64 weights of every output index, plus the runs of outputs sharing the same
/// tap pair ("cells"), which the fused export decides once.
/// </summary>
/// <remarks>
/// Linear: SciPy <c>zoom(order=1, grid_mode=True, mode='nearest')</c> as skimage 0.19 <c>resize</c> calls it, contract §3.5:
/// cc = (o + 0.5)·zoom − 0.5, zoom = n/m, start = floor(cc), w0 = 1 − t, w1 = 1 − w0, taps clamped to [0, n−1].
/// Nearest: <c>map_coordinates(order=0, mode='nearest')</c> of the separate-z path: index clamp(floor(coord + 0.5)).
/// A selection is written as taps (i, i) with weights (1, 0): v·1 is exact and the added terms are ±0, which leave a float64
/// sum that starts at +0 unchanged, so the 3-D tap loop reproduces the 2-D in-plane sum bit for bit.
/// </remarks>
internal sealed class AxisTaps
{
    private AxisTaps(int inputLength, int[] low, int[] high, double[] w0, double[] w1)
    {
        InputLength = inputLength;
        Low = low;
        High = high;
        W0 = w0;
        W1 = w1;

        Cell = new int[low.Length];
        var cellLow = new List<int>();
        var cellHigh = new List<int>();
        for (int o = 0; o < low.Length; o++)
        {
            if (cellLow.Count == 0 || cellLow[^1] != low[o] || cellHigh[^1] != high[o])
            {
                cellLow.Add(low[o]);
                cellHigh.Add(high[o]);
            }

            Cell[o] = cellLow.Count - 1;
        }

        CellLow = cellLow.ToArray();
        CellHigh = cellHigh.ToArray();
    }

    public int InputLength { get; }

    public int OutputLength => Low.Length;

    public int[] Low { get; }

    public int[] High { get; }

    public double[] W0 { get; }

    public double[] W1 { get; }

    /// <summary>Cell index of each output index; cells are numbered in output order and their taps are monotone.</summary>
    public int[] Cell { get; }

    public int[] CellLow { get; }

    public int[] CellHigh { get; }

    public int CellCount => CellLow.Length;

    public static AxisTaps Linear(int inputLength, int outputLength)
    {
        var low = new int[outputLength];
        var high = new int[outputLength];
        var w0 = new double[outputLength];
        var w1 = new double[outputLength];
        double zoom = (double)inputLength / outputLength;
        for (int o = 0; o < outputLength; o++)
        {
            double cc = ((o + 0.5) * zoom) - 0.5;
            double start = Math.Floor(cc);
            double t = cc - start;
            w0[o] = 1.0 - t;
            w1[o] = 1.0 - w0[o];
            low[o] = Clamp(start, inputLength);
            high[o] = Clamp(start + 1, inputLength);
        }

        return new AxisTaps(inputLength, low, high, w0, w1);
    }

    public static AxisTaps Nearest(int inputLength, int outputLength)
    {
        var index = new int[outputLength];
        double scale = (double)inputLength / outputLength;
        for (int o = 0; o < outputLength; o++)
        {
            double coord = (scale * (o + 0.5)) - 0.5;
            index[o] = Clamp(Math.Floor(coord + 0.5), inputLength);
        }

        return Selection(inputLength, index);
    }

    public static AxisTaps Identity(int length) => Selection(length, Enumerable.Range(0, length).ToArray());

    private static AxisTaps Selection(int inputLength, int[] index)
    {
        var w0 = new double[index.Length];
        Array.Fill(w0, 1.0);
        return new AxisTaps(inputLength, index, (int[])index.Clone(), w0, new double[index.Length]);
    }

    private static int Clamp(double index, int length) => (int)Math.Clamp(index, 0, length - 1);
}
