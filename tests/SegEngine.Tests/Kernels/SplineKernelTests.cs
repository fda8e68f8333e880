using System.Text.Json;
using SegEngine.Io;
using SegEngine.Kernels;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Kernels;

/// <summary>The float64 resampling kernels against SciPy's own float64 results and against their naive twins.</summary>
public class SplineKernelTests
{
    private static readonly string Folder = Path.Combine(TestPaths.Fixtures, "preprocessing", "resampling");

    private static readonly Lazy<JsonElement> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json"))).RootElement);

    private static string Float64Path => Path.Combine(Folder, "float64.npz");

    [Fact]
    public void PrefilterLineMatchesScipySplineFilter1d()
    {
        foreach (JsonElement n in Cases.Value.GetProperty("prefilter_lines").EnumerateArray())
        {
            double[] line = Npy.ReadFromNpz(Float64Path, $"line{n.GetInt32()}_input").As<double>().ToArray();
            double[] expected = Npy.ReadFromNpz(Float64Path, $"line{n.GetInt32()}_output").As<double>().ToArray();
            SegKernels.CubicSplinePrefilter(line);
            AssertBits(expected, line, $"line of {n.GetInt32()}");
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(25, 7)]
    [InlineData(40, 300)]
    [InlineData(301, 17)]
    public void PrefilterLanesMatchTheScalarLine(int length, int lanes)
    {
        var random = new Random(length * 1000 + lanes);
        int stride = lanes + 3;
        var block = new double[length * stride];
        for (int i = 0; i < block.Length; i++)
        {
            block[i] = random.NextDouble() * 2000 - 1000;
        }

        var expected = (double[])block.Clone();
        for (int lane = 1; lane < lanes + 1; lane++)
        {
            double[] line = Enumerable.Range(0, length).Select(i => expected[i * stride + lane]).ToArray();
            NaiveResampling.PrefilterLine(line);
            for (int i = 0; i < length; i++)
            {
                expected[i * stride + lane] = line[i];
            }
        }

        SegKernels.CubicSplinePrefilterLanes(block, length, stride, 1, lanes);
        AssertBits(expected, block, $"{lanes} lanes of {length} (seed {length * 1000 + lanes})");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(25)]
    [InlineData(536)]
    public void InterleavedPrefilterMatchesTheScalarLine(int length)
    {
        var random = new Random(length);
        var lines = new double[length * SegKernels.InterleavedLines];
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = random.NextDouble() * 4000 - 2000;
        }

        var expected = (double[])lines.Clone();
        for (int lane = 0; lane < SegKernels.InterleavedLines; lane++)
        {
            double[] line = Enumerable.Range(0, length).Select(i => expected[i * SegKernels.InterleavedLines + lane]).ToArray();
            NaiveResampling.PrefilterLine(line);
            for (int i = 0; i < length; i++)
            {
                expected[i * SegKernels.InterleavedLines + lane] = line[i];
            }
        }

        SegKernels.CubicSplinePrefilterInterleaved(lines, length);
        AssertBits(expected, lines, $"8 interleaved lines of {length} (seed {length})");
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void AccumulateTapsKeepsTheTapOrderOnEveryLength(int width)
    {
        var random = new Random(7);
        using var forced = KernelWidths.Force(width);
        for (int n = 1; n <= 300; n++)
        {
            foreach (int outer in new[] { 0, 1, 2 })
            {
                int taps = 1 + (n % 4);
                double[] values = Enumerable.Range(0, taps * n).Select(_ => random.NextDouble() * 1e3).ToArray();
                double[] weights = Enumerable.Range(0, taps * n).Select(_ => random.NextDouble()).ToArray();
                double[] outerWeights = Enumerable.Range(0, outer).Select(_ => random.NextDouble()).ToArray();
                double[] start = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
                var expected = (double[])start.Clone();
                NaiveResamplingKernels.AccumulateTaps(values, weights, outerWeights, expected);

                SegKernels.AccumulateTaps(values, weights, outerWeights, start);
                AssertBits(expected, start, $"width {width}, n={n}, taps={taps}, outer={outer}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void ClipToSingleMatchesTwin(int width, int offset)
    {
        double[] specials = [double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, -3.0, 2.5, 1e300, -1e-320, 65504.0, 3.4028235677973366e38, 1e-46];
        var random = new Random(13 + offset);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length++)
        {
            double[] backing = Enumerable.Range(0, length + offset)
                .Select(_ => random.Next(8) == 0 ? specials[random.Next(specials.Length)] : (random.NextDouble() - 0.5) * 8)
                .ToArray();
            double[] x = backing[offset..];
            (double min, double max) = random.Next(4) == 0 ? (-0.0, 1e39) : (-3.0, 2.5);
            var expected = new float[length];
            NaiveResamplingKernels.ClipToSingle(x, min, max, expected);

            var actual = new float[length + offset];
            SegKernels.ClipToSingle(backing.AsSpan(offset), min, max, actual.AsSpan(offset));
            KernelTestData.AssertBits(expected, actual[offset..], $"width {width}, length {length}, offset {offset}, clip [{min}, {max}]");
        }
    }

    [Fact]
    public void ClipToSingleFollowsNumpy()
    {
        double[] x = Enumerable.Range(0, 37).Select(i => (i - 18) * 0.37).Concat([double.NaN, 0.0, -0.0, 1e300]).ToArray();
        var actual = new float[x.Length];
        SegKernels.ClipToSingle(x, -3.0, 2.5, actual);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = double.IsNaN(x[i]) ? x[i] : Math.Min(Math.Max(x[i], -3.0), 2.5);
            Assert.Equal(BitConverter.SingleToInt32Bits((float)expected), BitConverter.SingleToInt32Bits(actual[i]));
        }

        var zero = new float[1];
        SegKernels.ClipToSingle([0.0], -0.0, 1.0, zero);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0.0f), BitConverter.SingleToInt32Bits(zero[0]));
    }

    [Fact]
    public void ClipToSingleNamesAShortDestination() =>
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => SegKernels.ClipToSingle(new double[3], 0, 1, new float[2])).ParamName);

    private static void AssertBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} expected {expected[i]:R}, got {actual[i]:R}");
            }
        }
    }
}
