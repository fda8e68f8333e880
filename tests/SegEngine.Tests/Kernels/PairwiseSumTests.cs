using System.Text.Json;
using SegEngine.Kernels;
using SegEngine.Tests.Preprocessing;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Kernels;

public class PairwiseSumTests
{
    private static readonly string Fixtures = Path.Combine(TestPaths.Fixtures, "preprocessing", "normalization");

    public static IEnumerable<object[]> Lengths()
    {
        var lengths = new SortedSet<int>(Enumerable.Range(0, 301));
        foreach (int multiple in new[] { 8192, 16384, 24576, 65536 })
        {
            for (int d = -9; d <= 9; d++)
            {
                lengths.Add(multiple + d);
            }
        }

        return lengths.Select(n => new object[] { n });
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MatchesNaiveTwinOnEveryLengthAndOffset(int length)
    {
        var random = new Random(length * 31 + 7);
        float[] backing = new float[length + 3];
        for (int i = 0; i < backing.Length; i++)
        {
            backing[i] = (float)((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-4, 6)));
        }

        for (int offset = 0; offset <= 3 && offset + length <= backing.Length; offset++)
        {
            float[] slice = backing.AsSpan(offset, length).ToArray();
            Assert.Equal(Bits(NaiveNumPySum.Sum(slice)), Bits(SegKernels.NumPySum(backing.AsSpan(offset, length))));
            if (length <= 8192)
            {
                Assert.Equal(Bits(NaiveNumPySum.Pairwise(slice, 0, length)), Bits(SegKernels.PairwiseSum(backing.AsSpan(offset, length))));
            }
        }
    }

    /// <summary>The scalar running sums and the Vector256 ones (also used at Vector512, where NumPy's order allows no wider vector).</summary>
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void EveryWidthMatchesNaiveTwin(int width)
    {
        var random = new Random(width + 1);
        using var forced = KernelWidths.Force(width);
        foreach (int length in Enumerable.Range(0, 301).Concat([8191, 8192, 8193, 20000]))
        {
            float[] x = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-4, 6)))).ToArray();
            Assert.True(Bits(NaiveNumPySum.Sum(x)) == Bits(SegKernels.NumPySum(x)), $"width {width}, length {length}");
            const float Mean = 12.5f;
            float[] squares = x.Select(v => (v - Mean) * (v - Mean)).ToArray();
            Assert.True(Bits(NaiveNumPySum.Sum(squares)) == Bits(SegKernels.NumPySumOfSquaredDeviations(x, Mean)), $"squares, width {width}, length {length}");
        }
    }

    [Fact]
    public void SpecialValuesPropagateLikeIeeeAddition()
    {
        float[] values = new float[40];
        Assert.Equal(Bits(0f), Bits(SegKernels.NumPySum([-0f, -0f])));
        values[13] = float.PositiveInfinity;
        Assert.Equal(float.PositiveInfinity, SegKernels.NumPySum(values));
        values[20] = float.NegativeInfinity;
        Assert.True(float.IsNaN(SegKernels.NumPySum(values)));
        values[20] = float.NaN;
        Assert.True(float.IsNaN(SegKernels.PairwiseSum(values)));
    }

    [Fact]
    public void MatchesNumPySumsOfManyLengths()
    {
        using JsonDocument cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "cases.json")));
        JsonElement sequenceInfo = cases.RootElement.GetProperty("sum_sequence");
        float[] sequence = SyntheticVolume.Values(
            sequenceInfo.GetProperty("length").GetInt32(), sequenceInfo.GetProperty("seed").GetUInt32(), sequenceInfo.GetProperty("offset").GetDouble(), 0);
        int checkedCount = 0;
        foreach (JsonElement sum in cases.RootElement.GetProperty("sums").EnumerateArray())
        {
            uint expected = sum.GetProperty("bits").GetUInt32();
            if (sum.TryGetProperty("cube_shape", out JsonElement cubeShape))
            {
                int[] dims = cubeShape.EnumerateArray().Select(d => d.GetInt32()).ToArray();
                float[] cube = SyntheticVolume.Values((long)dims[0] * dims[1] * dims[2], sum.GetProperty("cube_seed").GetUInt32(), sum.GetProperty("cube_offset").GetDouble(), 0);
                Assert.Equal(expected, Bits(SegKernels.NumPySum(cube)));
            }
            else
            {
                int start = sum.GetProperty("start").GetInt32();
                int n = sum.GetProperty("n").GetInt32();
                uint actual = Bits(SegKernels.NumPySum(sequence.AsSpan(start, n)));
                Assert.True(expected == actual, $"start {start}, n {n}: NumPy 0x{expected:X8}, SegEngine 0x{actual:X8}");
            }

            checkedCount++;
        }

        Assert.True(checkedCount > 900);
    }

    private static uint Bits(float value) => BitConverter.SingleToUInt32Bits(value);
}
