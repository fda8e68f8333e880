using System.Text.Json;
using SegEngine.Io;
using SegEngine.Kernels;
using SegEngine.Preprocessing.Resampling;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Preprocessing;

/// <summary>The float64 pieces of resampling against SciPy's own float64 results and against the naive twins.</summary>
public class ResamplingKernelTests
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

    [Fact]
    public void AccumulateTapsKeepsTheTapOrderOnEveryLength()
    {
        var random = new Random(7);
        for (int n = 1; n <= 40; n++)
        {
            foreach (int outer in new[] { 0, 1, 2 })
            {
                double[] values = Enumerable.Range(0, 4 * n).Select(_ => random.NextDouble() * 1e3).ToArray();
                double[] weights = Enumerable.Range(0, 4 * n).Select(_ => random.NextDouble()).ToArray();
                double[] outerWeights = Enumerable.Range(0, outer).Select(_ => random.NextDouble()).ToArray();
                double[] start = Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToArray();
                var expected = (double[])start.Clone();
                for (int c = 0; c < 4; c++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        double v = values[c * n + i];
                        foreach (double w in outerWeights)
                        {
                            v = v * w;
                        }

                        expected[i] = expected[i] + v * weights[c * n + i];
                    }
                }

                SegKernels.AccumulateTaps(values, weights, outerWeights, start);
                AssertBits(expected, start, $"n={n}, outer={outer}");
            }
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

    public static TheoryData<string> ZoomNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement z in Cases.Value.GetProperty("zooms").EnumerateArray())
        {
            data.Add(z.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ZoomNames))]
    public void StreamingResizeMatchesScipyZoomInFloat64(string name)
    {
        JsonElement z = Cases.Value.GetProperty("zooms").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        int[] inShape = z.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int[] outShape = z.GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        float[] input = Npy.ReadFromNpz(Float64Path, name + "_input").As<float>().ToArray();
        double[] expected = Npy.ReadFromNpz(Float64Path, name + "_output").As<double>().ToArray();
        double[] actual = Resize(input, inShape, outShape, z.GetProperty("order").GetInt32());
        AssertBits(expected, actual, name);
    }

    [Theory]
    [InlineData(new[] { 1, 3, 4 }, new[] { 1, 2, 7 }, 3)]
    [InlineData(new[] { 30, 9, 10 }, new[] { 13, 12, 5 }, 3)]
    [InlineData(new[] { 3, 20, 9 }, new[] { 8, 7, 9 }, 1)]
    [InlineData(new[] { 19, 4 }, new[] { 6, 9 }, 3)]
    [InlineData(new[] { 6, 11 }, new[] { 13, 4 }, 0)]
    public void StreamingResizeMatchesTheNaiveZoom(int[] inShape, int[] outShape, int order)
    {
        var random = new Random(inShape.Sum() * 31 + order);
        float[] input = Enumerable.Range(0, inShape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 3000 - 1000)).ToArray();
        AssertBits(NaiveResampling.Zoom(input, inShape, outShape, order), Resize(input, inShape, outShape, order), $"{string.Join('x', inShape)} -> {string.Join('x', outShape)} order {order}");
    }

    private static unsafe double[] Resize(float[] input, int[] inShape, int[] outShape, int order)
    {
        bool planar = inShape.Length == 2;
        Shape3 from = planar ? new Shape3(1, inShape[0], inShape[1]) : Shape3.FromArray(inShape);
        Shape3 to = planar ? new Shape3(1, outShape[0], outShape[1]) : Shape3.FromArray(outShape);
        var result = new double[to.Voxels];
        fixed (float* source = input)
        fixed (double* target = result)
        {
            SplineResizer.Resize(new SingleSource(source), from, to, order, planar, new DoubleSink(target, to));
        }

        return result;
    }

    private static void AssertBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int first = Array.FindIndex(expected, 0, i => true);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
            {
                Assert.Fail($"{what}: element {i} expected {expected[i]:R}, got {actual[i]:R}");
            }
        }

        Assert.True(first >= 0 || expected.Length == 0);
    }

    /// <summary>Keeps the float64 sums, before skimage's clip and the float32 store.</summary>
    private readonly unsafe struct DoubleSink(double* destination, Shape3 shape) : IRowSink
    {
        public void WriteRow(int z, int y, ReadOnlySpan<double> values) =>
            values.CopyTo(new Span<double>(destination + ((nint)z * shape.Y + y) * shape.X, shape.X));
    }
}
