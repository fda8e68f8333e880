using SegEngine.Resampling;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Resampling;

/// <summary>The per-axis taps of SciPy's spline zoom and their order-1 pairs against the naive formulas of nnunet-parity.md §3.5, bit for bit.</summary>
public sealed class SplineTapsTests
{
    private static readonly (int N, int M)[] Lengths = [(1, 1), (1, 5), (5, 1), (7, 3), (13, 29), (512, 239), (60, 200)];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void SplineTapsMatchTheNaiveFormulas(int order)
    {
        foreach ((int n, int m) in Lengths)
        {
            SplineTaps taps = SplineTaps.Create(n, m, order);
            for (int o = 0; o < m; o++)
            {
                (int start, double[] weights) = NaiveResampling.Taps(o, n, m, order);
                for (int k = 0; k < taps.TapCount; k++)
                {
                    int index = order == 3 ? start + k : Math.Clamp(start + k, 0, n - 1);
                    Assert.Equal(index, taps.Index(o, k));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(weights[k]), BitConverter.DoubleToInt64Bits(taps.Weight(o, k)));
                }
            }
        }
    }

    [Fact]
    public void LinearPairsAreTheOrderOneTaps()
    {
        foreach ((int n, int m) in Lengths)
        {
            TapPairs<double> pairs = TapPairs.Linear(n, m);
            for (int o = 0; o < m; o++)
            {
                (int start, double[] weights) = NaiveResampling.Taps(o, n, m, 1);
                Assert.Equal(Math.Clamp(start, 0, n - 1), pairs.Low[o]);
                Assert.Equal(Math.Clamp(start + 1, 0, n - 1), pairs.High[o]);
                Assert.Equal(BitConverter.DoubleToInt64Bits(weights[0]), BitConverter.DoubleToInt64Bits(pairs.W0[o]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(weights[1]), BitConverter.DoubleToInt64Bits(pairs.W1[o]));
            }
        }
    }

    [Fact]
    public void SelectionsAreOneTapWithWeightsOneAndPlusZero()
    {
        foreach ((int n, int m) in Lengths)
        {
            TapPairs<double> nearest = TapPairs.Nearest(n, m);
            for (int o = 0; o < m; o++)
            {
                int index = Math.Clamp(NaiveResampling.Taps(o, n, m, 0).Start, 0, n - 1);
                Assert.Equal((index, index), (nearest.Low[o], nearest.High[o]));
                Assert.Equal((1.0, 0L), (nearest.W0[o], BitConverter.DoubleToInt64Bits(nearest.W1[o])));
            }

            TapPairs<double> identity = TapPairs<double>.Identity(n);
            Assert.Equal(Enumerable.Range(0, n), identity.Low);
            Assert.Equal(identity.Low, identity.High);
        }
    }
}
