using System.Security.Cryptography;
using System.Text.Json;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Preprocessing;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Preprocessing;

public class IntensityNormalizationTests
{
    private static readonly string Fixtures = Path.Combine(TestPaths.Fixtures, "preprocessing", "normalization");

    public static IEnumerable<object[]> VolumeNames() => new[] { "tiny", "small", "mid", "large" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(VolumeNames))]
    public void ZScoreWithoutMaskMatchesNumPyBits(string name)
    {
        (JsonElement entry, float[] values) = Load(name);
        JsonElement expected = entry.GetProperty("zscore");

        (float mean, float std) = IntensityNormalization.ZScoreNormalization(values);

        Assert.Equal(expected.GetProperty("mean_bits").GetUInt32(), Bits(mean));
        Assert.Equal(expected.GetProperty("std_bits").GetUInt32(), Bits(std));
        Assert.Equal(expected.GetProperty("sha256").GetString(), Sha256(values));
        Assert.Equal((Bits(mean), Bits(std)), BitsOf(NaiveNumPySum.MeanAndStd(Load(name).Values)));
    }

    [Theory]
    [MemberData(nameof(VolumeNames))]
    public void ZScoreWithMaskMatchesNumPyBits(string name)
    {
        (JsonElement entry, float[] values) = Load(name);
        JsonElement expected = entry.GetProperty("zscore_masked");
        byte[] mask = SyntheticVolume.Mask(ShapeOf(entry), entry.GetProperty("seed").GetInt32());
        Assert.Equal(expected.GetProperty("masked").GetInt32(), mask.Count(m => m != 0));

        (float mean, float std) = IntensityNormalization.ZScoreNormalizationMasked(values, mask);

        Assert.Equal(expected.GetProperty("mean_bits").GetUInt32(), Bits(mean));
        Assert.Equal(expected.GetProperty("std_bits").GetUInt32(), Bits(std));
        Assert.Equal(expected.GetProperty("sha256").GetString(), Sha256(values));
    }

    [Theory]
    [MemberData(nameof(VolumeNames))]
    public void CTRescaleAndRgbMatchNumPyBits(string name)
    {
        (JsonElement entry, float[] values) = Load(name);
        JsonElement ct = entry.GetProperty("ct");
        JsonElement p = ct.GetProperty("properties");
        var properties = new IntensityProperties(
            p.GetProperty("mean").GetDouble(), p.GetProperty("std").GetDouble(),
            p.GetProperty("percentile_00_5").GetDouble(), p.GetProperty("percentile_99_5").GetDouble(), 0, 0, 0);
        float[] ctValues = (float[])values.Clone();
        IntensityNormalization.CTNormalization(ctValues, properties);
        Assert.Equal(ct.GetProperty("sha256").GetString(), Sha256(ctValues));

        float[] rescaled = (float[])values.Clone();
        IntensityNormalization.RescaleTo01Normalization(rescaled);
        Assert.Equal(entry.GetProperty("rescale").GetProperty("sha256").GetString(), Sha256(rescaled));

        float[] rgb = values.Select(v => MathF.Min(MathF.Abs(v) % 256f, 255f)).ToArray();
        IntensityNormalization.RGBTo01Normalization(rgb, 0);
        Assert.Equal(entry.GetProperty("rgb").GetProperty("sha256").GetString(), Sha256(rgb));
    }

    [Fact]
    public void SmallVolumeOutputsMatchVoxelByVoxel()
    {
        (JsonElement entry, float[] values) = Load("small");
        float[] masked = (float[])values.Clone();
        IntensityNormalization.ZScoreNormalizationMasked(masked, SyntheticVolume.Mask(ShapeOf(entry), entry.GetProperty("seed").GetInt32()));
        AssertBitsEqual(Npy.Read(Path.Combine(Fixtures, "small_zscore_masked.npy")).As<float>(), masked);

        JsonElement p = entry.GetProperty("ct").GetProperty("properties");
        IntensityNormalization.CTNormalization(values, new IntensityProperties(
            p.GetProperty("mean").GetDouble(), p.GetProperty("std").GetDouble(),
            p.GetProperty("percentile_00_5").GetDouble(), p.GetProperty("percentile_99_5").GetDouble(), 0, 0, 0));
        AssertBitsEqual(Npy.Read(Path.Combine(Fixtures, "small_ct.npy")).As<float>(), values);
    }

    [Fact]
    public void SampleCaseCTNormalisationReproducesNnUnetPreprocessedBits()
    {
        NpyArray raw = Npy.Read(Path.Combine(TestPaths.Fixtures, "preprocessing", "sample", "case_000_raw_z33_38.npy"));
        float[] values = raw.As<short>().ToArray().Select(v => (float)v).ToArray();
        using JsonDocument plans = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.SampleModel("3d_fullres"), "plans.json")));
        JsonElement p = plans.RootElement.GetProperty("foreground_intensity_properties_per_channel").GetProperty("0");
        var properties = new IntensityProperties(
            p.GetProperty("mean").GetDouble(), p.GetProperty("std").GetDouble(), p.GetProperty("percentile_00_5").GetDouble(),
            p.GetProperty("percentile_99_5").GetDouble(), p.GetProperty("median").GetDouble(), p.GetProperty("min").GetDouble(), p.GetProperty("max").GetDouble());
        using VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(1, new Shape3((int)raw.Shape[1], (int)raw.Shape[2], (int)raw.Shape[3]));
        values.CopyTo(data.Span);

        IntensityNormalization.Normalize(data, [NormalizationScheme.CTNormalization], [false], [properties], mask: null);

        NpyArray preprocessed = Npy.Read(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_000"), "preprocessed.npy"));
        int slice = (int)(preprocessed.Shape[2] * preprocessed.Shape[3]);
        AssertBitsEqual(preprocessed.As<float>().Slice(33 * slice, 5 * slice), data.Span.ToArray());
    }

    [Fact]
    public void EmptyMaskGivesNaNStatisticsAndLeavesValues()
    {
        float[] values = [0f, 0f, 3f, -0f];
        (float mean, float std) = IntensityNormalization.ZScoreNormalizationMasked(values, new byte[4]);
        Assert.True(float.IsNaN(mean));
        Assert.True(float.IsNaN(std));
        Assert.Equal([0, 0, BitConverter.SingleToInt32Bits(3f), BitConverter.SingleToInt32Bits(-0f)], values.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void ConstantChannelDividesByEpsilonLikeNumPy()
    {
        float[] values = Enumerable.Repeat(4.5f, 100).ToArray();
        (float _, float std) = IntensityNormalization.ZScoreNormalization(values);
        Assert.Equal(0f, std);
        Assert.All(values, v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v)));

        float[] flat = Enumerable.Repeat(-2f, 10).ToArray();
        IntensityNormalization.RescaleTo01Normalization(flat);
        Assert.All(flat, v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v)));
    }

    [Fact]
    public void RgbOutOfRangeNamesChannelAndValue()
    {
        var high = Assert.Throws<SegEngineException>(() => IntensityNormalization.RGBTo01Normalization(new float[] { 3f, 255.5f }, 2));
        Assert.Equal(SegErrorCode.InvalidInput, high.Code);
        Assert.Contains("channel 2", high.Message);
        Assert.Contains("255.5", high.Message);
        var nan = Assert.Throws<SegEngineException>(() => IntensityNormalization.RGBTo01Normalization(new float[] { float.NaN }, 0));
        Assert.Contains("NaN", nan.Message);
        Assert.Contains("-1", Assert.Throws<SegEngineException>(() => IntensityNormalization.RGBTo01Normalization(new float[] { -1f }, 0)).Message);
    }

    [Fact]
    public void DispatchUsesMaskOnlyForZScoreAndChecksThePlans()
    {
        using VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(2, new Shape3(1, 2, 3));
        float[] original = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        original.CopyTo(data.Span);
        using VolumeBuffer<byte> mask = VolumeBuffer<byte>.Allocate(1, new Shape3(1, 2, 3));
        mask.Span[1] = 1;
        mask.Span[2] = 1;

        IntensityNormalization.Normalize(data, [NormalizationScheme.ZScoreNormalization, NormalizationScheme.NoNormalization], [true, true], [null, null], mask);

        Assert.Equal([1f, -1f, 1f, 4f, 5f, 6f], data.Span[..6].ToArray());
        Assert.Equal(original[6..], data.Span[6..].ToArray());
        var missing = Assert.Throws<SegEngineException>(() =>
            IntensityNormalization.Normalize(data, [NormalizationScheme.CTNormalization, NormalizationScheme.NoNormalization], [false, false], [null, null], null));
        Assert.Contains("foreground_intensity_properties_per_channel", missing.Message);
        Assert.Throws<SegEngineException>(() => IntensityNormalization.Normalize(data, [NormalizationScheme.NoNormalization], [false], [null], null));
    }

    private static (JsonElement Entry, float[] Values) Load(string name)
    {
        using JsonDocument cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "cases.json")));
        JsonElement entry = cases.RootElement.GetProperty("volumes").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name).Clone();
        float[] values = SyntheticVolume.Values(
            ShapeOf(entry).Voxels, entry.GetProperty("seed").GetUInt32(), entry.GetProperty("offset").GetDouble(), entry.GetProperty("zero_every").GetUInt32());
        return (entry, values);
    }

    private static Shape3 ShapeOf(JsonElement entry) => Shape3.FromArray(entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());

    private static uint Bits(float value) => BitConverter.SingleToUInt32Bits(value);

    private static (uint, uint) BitsOf((float Mean, float Std) statistics) => (Bits(statistics.Mean), Bits(statistics.Std));

    private static string Sha256(float[] values) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())));

    private static void AssertBitsEqual(ReadOnlySpan<float> expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            int e = BitConverter.SingleToInt32Bits(expected[i]);
            int a = BitConverter.SingleToInt32Bits(actual[i]);
            Assert.True(e == a, $"voxel {i}: expected 0x{e:X8} ({expected[i]}), got 0x{a:X8} ({actual[i]})");
        }
    }
}
