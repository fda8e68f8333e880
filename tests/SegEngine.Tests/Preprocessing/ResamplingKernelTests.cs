using System.Text.Json;
using SegEngine.Io;
using SegEngine.Preprocessing.Resampling;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Preprocessing;

/// <summary>The float64 pieces of resampling against SciPy's own float64 results and against the naive twins.</summary>
public class ResamplingKernelTests
{
    private static readonly ResamplingFixtureCases Fixtures = new("resampling");

    private static string Float64Path => Path.Combine(Fixtures.Folder, "float64.npz");

    public static TheoryData<string> ZoomNames() => Fixtures.Names("zooms");

    [Theory]
    [MemberData(nameof(ZoomNames))]
    public void StreamingResizeMatchesScipyZoomInFloat64(string name)
    {
        JsonElement z = Fixtures.Entry(name, "zooms");
        int[] inShape = ResamplingFixtureCases.Ints(z.GetProperty("input_shape"));
        int[] outShape = ResamplingFixtureCases.Ints(z.GetProperty("output_shape"));
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
