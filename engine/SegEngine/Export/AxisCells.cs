using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// For one axis, the runs of consecutive output indices that read the same tap pair ("cells"): the fused export decides
/// a whole cell at once where its taps allow (<see cref="CellFastPath"/>).
/// </summary>
internal sealed class AxisCells
{
    public AxisCells(TapPairs<double> taps)
    {
        int[] low = taps.Low;
        int[] high = taps.High;
        OfOutput = new int[low.Length];
        var cellLow = new List<int>();
        var cellHigh = new List<int>();
        for (int o = 0; o < low.Length; o++)
        {
            if (cellLow.Count == 0 || cellLow[^1] != low[o] || cellHigh[^1] != high[o])
            {
                cellLow.Add(low[o]);
                cellHigh.Add(high[o]);
            }

            OfOutput[o] = cellLow.Count - 1;
        }

        Low = cellLow.ToArray();
        High = cellHigh.ToArray();
    }

    /// <summary>Cell index of each output index; cells are numbered in output order and their taps are monotone.</summary>
    public int[] OfOutput { get; }

    /// <summary>The low input tap of each cell.</summary>
    public int[] Low { get; }

    /// <summary>The high input tap of each cell.</summary>
    public int[] High { get; }

    public int Count => Low.Length;
}
