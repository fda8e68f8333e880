using SegEngine.Io;

namespace SegEngine.Tests.Io;

public class NpyTests
{
    [Fact]
    public void ReadsNnUnetPreprocessedArray()
    {
        NpyArray array = Npy.Read(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_003"), "preprocessed.npy"));

        Assert.Equal(NpyType.Float32, array.Type);
        Assert.Equal(4, array.Shape.Length);
        Assert.Equal(1, array.Shape[0]);
        Assert.Equal(array.Shape.Aggregate(1L, (a, b) => a * b), array.ElementCount);
    }

    [Fact]
    public void ReadsFloat16Logits()
    {
        NpyArray array = Npy.Read(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_003"), "logits_tta.npy"));

        Assert.Equal(NpyType.Float16, array.Type);
        Assert.Equal(3, array.Shape[0]);
        Assert.All(array.As<Half>().ToArray(), h => Assert.True(Half.IsFinite(h)));
    }

    [Fact]
    public void WriteThenReadRoundTrips()
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "a.npy");
        float[] data = [1f, -2.5f, float.Epsilon, 3e38f, 0f, 7f];

        Npy.Write<float>(path, data, [2, 3]);
        NpyArray back = Npy.Read(path);

        Assert.Equal([2L, 3L], back.Shape);
        Assert.Equal(data, back.As<float>().ToArray());
        Assert.Equal(0, (new FileInfo(path).Length - data.Length * 4) % 64);
    }

    [Fact]
    public void TruncatedFileIsReportedWithItsName()
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "t.npy");
        Npy.Write<float>(path, new float[100], [100]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        var error = Assert.Throws<SegEngineException>(() => Npy.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData("(9223372036854775807, 4)")]
    [InlineData("(4294967296, 4294967296)")]
    [InlineData("(99999999999999999999,)")]
    [InlineData("(3, -1)")]
    public void ShapeThatOverflowsACountIsReportedWithItsName(string shape)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "s.npy");
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}".PadRight(117) + "\n";
        File.WriteAllBytes(path, [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, 0, .. System.Text.Encoding.Latin1.GetBytes(header)]);

        var error = Assert.Throws<SegEngineException>(() => Npy.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
    }

    [Fact]
    public void ReadsProbabilitiesFromNpz()
    {
        NpyArray array = Npy.ReadFromNpz(Path.Combine(TestPaths.Sample, "reference", "3d_fullres_tta", "case_003.npz"), "probabilities");

        Assert.Equal(NpyType.Float32, array.Type);
        Assert.Equal(3, array.Shape[0]);
    }
}
