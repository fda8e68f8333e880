using System.Numerics;

namespace SegEngine.Resampling;

/// <summary>
/// For one axis of an order-1 resampling, the two input taps (low, high) and weights (w0, w1) of every output index:
/// SciPy's taps with float64 weights (<see cref="TapPairs"/>), torch's with float32 ones (<see cref="TorchTaps"/>).
/// </summary>
/// <remarks>
/// A selection (nearest along the separate-z axis, or the identity) is written as taps (i, i) with weights (1, 0), which
/// reproduces nnU-Net's 2-D in-plane sum bit for bit (docs/fused-export.md, section 2).
/// </remarks>
internal sealed class TapPairs<TWeight>
    where TWeight : unmanaged, IBinaryFloatingPointIeee754<TWeight>
{
    public TapPairs(int inputLength, int[] low, int[] high, TWeight[] w0, TWeight[] w1)
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

    public TWeight[] W0 { get; }

    public TWeight[] W1 { get; }

    /// <summary>An axis whose length does not change: output o reads input o.</summary>
    public static TapPairs<TWeight> Identity(int length) => Selection(length, [.. Enumerable.Range(0, length)]);

    /// <summary>Output o reads input <paramref name="index"/>[o] alone.</summary>
    public static TapPairs<TWeight> Selection(int inputLength, int[] index)
    {
        var w0 = new TWeight[index.Length];
        Array.Fill(w0, TWeight.One);
        return new TapPairs<TWeight>(inputLength, index, (int[])index.Clone(), w0, new TWeight[index.Length]);
    }
}

/// <summary>SciPy's order-1 and order-0 taps (<see cref="SplineTaps"/>) as <see cref="TapPairs{TWeight}"/>.</summary>
internal static class TapPairs
{
    /// <summary>SciPy <c>zoom(order=1, grid_mode=True, mode='nearest')</c> from <paramref name="inputLength"/> to <paramref name="outputLength"/>.</summary>
    public static TapPairs<double> Linear(int inputLength, int outputLength)
    {
        SplineTaps taps = SplineTaps.Create(inputLength, outputLength, order: 1);
        int m = outputLength;
        return new TapPairs<double>(
            inputLength,
            taps.IndexByTap.AsSpan(0, m).ToArray(),
            taps.IndexByTap.AsSpan(m, m).ToArray(),
            taps.WeightByTap.AsSpan(0, m).ToArray(),
            taps.WeightByTap.AsSpan(m, m).ToArray());
    }

    /// <summary>The separate-z axis: <c>map_coordinates(order=0, mode='nearest')</c>, i.e. SciPy's order-0 taps.</summary>
    public static TapPairs<double> Nearest(int inputLength, int outputLength) =>
        TapPairs<double>.Selection(inputLength, SplineTaps.Create(inputLength, outputLength, order: 0).IndexByTap);
}
