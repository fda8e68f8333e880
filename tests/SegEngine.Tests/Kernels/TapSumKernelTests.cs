using SegEngine.Kernels;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Kernels;

/// <summary>The kernels of the export's vectorised tap sum against their naive twins, bit for bit, at every width.</summary>
public sealed class TapSumKernelTests
{
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void ScaleHalfToDoubleMatchesTheNaiveTwin(int width)
    {
        var random = new Random(21);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length += length < 40 ? 1 : 37)
        {
            for (int offset = 0; offset <= 3; offset++)
            {
                Half[] source = RandomHalves(random, length + offset);
                double first = random.NextDouble(), second = random.NextDouble();
                double[] expected = NaiveTapSum.Scale(source[offset..], first, second);
                var actual = new double[length + offset];
                SegKernels.ScaleHalfToDouble(source.AsSpan(offset), first, second, actual.AsSpan(offset));
                AssertBits(expected, actual[offset..]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void TrilinearTapSumMatchesTheNaiveTwin(int width)
    {
        var random = new Random(22);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 200; length += length < 40 ? 1 : 23)
        {
            int rowLength = 1 + random.Next(50);
            double[][] rows = Enumerable.Range(0, 4)
                .Select(_ => Enumerable.Range(0, rowLength).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 30))).ToArray())
                .ToArray();
            // Mostly neighbouring taps (b = a + 1, the 16-byte loads), some equal ones (clamped edges) and some far apart (gathers).
            int[] low = Enumerable.Range(0, length).Select(_ => random.Next(rowLength)).ToArray();
            int[] high = low.Select(a => Math.Min(rowLength - 1, random.Next(8) switch { 0 => a, 1 => a + random.Next(5), _ => a + 1 })).ToArray();
            double[] u = Enumerable.Range(0, length).Select(_ => random.NextDouble()).ToArray();
            double[] w = u.Select(a => 1 - a).ToArray();
            double[] expected = NaiveTapSum.Sum(rows, low, high, u, w);
            var actual = new double[length];
            SegKernels.TrilinearTapSum(rows[0], rows[1], rows[2], rows[3], low, high, u, w, actual);
            AssertBits(expected, actual);
        }
    }

    [Fact]
    public void TrilinearTapSumRejectsTapsOutsideTheRows()
    {
        double[] row = new double[4];
        double[] one = [1.0];
        Assert.Throws<ArgumentException>(() => SegKernels.TrilinearTapSum(row, row, row, row, [4], [0], one, one, new double[1]));
        Assert.Throws<ArgumentException>(() => SegKernels.TrilinearTapSum(row, row, row, row, [0], [-1], one, one, new double[1]));
        Assert.Throws<ArgumentException>(() => SegKernels.TrilinearTapSum(row, row, row, row, [0, 1], [0], one, one, new double[1]));
    }

    /// <summary>Every finite half, the exact ties between neighbours and the doubles next to them, and the overflow edge.</summary>
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void RoundToHalfMatchesTheCastOnEveryHalfAndTie(int width)
    {
        using var forced = KernelWidths.Force(width);
        var values = new List<double> { 65504.0, 65519.999999, 65520.0, 65535.0, 65536.0, 1e300, double.PositiveInfinity, double.Epsilon, 2.9802322387695312E-08 };
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            double h = (double)BitConverter.UInt16BitsToHalf((ushort)bits);
            double next = (double)BitConverter.UInt16BitsToHalf((ushort)(bits + 1));
            double tie = (h + next) / 2;
            values.AddRange([h, tie, Math.BitDecrement(tie), Math.BitIncrement(tie), Math.BitIncrement(h)]);
        }

        double[] source = [.. values, .. values.Select(v => -v)];
        for (int offset = 0; offset <= 3; offset++)
        {
            float[] expected = NaiveTapSum.Round(source[offset..]);
            var actual = new float[source.Length - offset];
            SegKernels.RoundToHalf(source.AsSpan(offset), actual);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void RoundToHalfRejectsMismatchedLengths() =>
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => SegKernels.RoundToHalf(new double[3], new float[2])).ParamName);

    private static Half[] RandomHalves(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => BitConverter.UInt16BitsToHalf((ushort)(random.Next(0x7C00) | (random.Next(2) << 15)))).ToArray();

    private static void AssertBits(double[] expected, double[] actual) =>
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));
}
