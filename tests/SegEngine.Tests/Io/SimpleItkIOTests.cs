using System.Text.Json;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

public sealed class SimpleItkIOTests
{
    /// <summary>Geometry agreement with ITK's printed doubles: both sides compute from the same float32 header values, in a different order.</summary>
    private const double GeometryTolerance = 1e-6;

    /// <summary>Quaternion and srow (header bytes 256..328): ITK orthogonalises its float direction first; we use it as is.</summary>
    private const float HeaderFloatTolerance = 1e-6f;

    private readonly IImageReaderWriter io = ImageReaderWriters.Create("SimpleITKIO");

    /// <summary>Inputs ITK 5.2 refuses but we read on purpose (see SimpleItkIO remarks): NIfTI-2, gzip under .nii, sform-only with pixdim unlike the sform.</summary>
    public static readonly string[] ReadDespiteItk52 = ["nifti2_float32", "nifti2_bigendian_int16_gz", "gzip_named_nii", "geom_sform_only"];

    [Theory]
    [MemberData(nameof(NiftiFixtures.ItkNames), MemberType = typeof(NiftiFixtures))]
    public void GeometryAndVoxelsMatchItk(string name)
    {
        JsonElement expected = NiftiFixtures.Itk.GetProperty(name);
        string path = NiftiFixtures.Input(name);
        if (expected.TryGetProperty("error", out _) && !ReadDespiteItk52.Contains(name))
        {
            Assert.Throws<NiftiFormatException>(() => io.Read([path]));
            return;
        }

        using ImageVolume volume = io.Read([path]);
        if (ReadDespiteItk52.Contains(name))
        {
            return;
        }

        int dimension = expected.GetProperty("dimension").GetInt32();
        double[] spacing = Doubles(expected, "spacing");
        Assert.Equal(dimension, volume.Geometry.ItkDimension);
        AssertClose(spacing, volume.Geometry.ItkSpacing!, name + " spacing");
        AssertClose(Doubles(expected, "origin"), volume.Geometry.ItkOrigin!, name + " origin");
        AssertClose(Doubles(expected, "direction"), volume.Geometry.ItkDirection!, name + " direction");

        double[] nnunetSpacing = dimension == 2 ? [999 * spacing.Max(), spacing[1], spacing[0]] : [spacing[2], spacing[1], spacing[0]];
        AssertClose(nnunetSpacing, volume.Spacing, name + " nnU-Net spacing");
        Assert.Equal(dimension == 2, volume.Geometry.Is2D);

        uint[] bits = expected.GetProperty("voxel_bits").EnumerateArray().Select(e => e.GetUInt32()).ToArray();
        float[] got = volume.Data.Span.ToArray();
        Assert.Equal(bits.Length, got.Length);
        for (int i = 0; i < bits.Length; i++)
        {
            Assert.True((uint)BitConverter.SingleToInt32Bits(got[i]) == bits[i], $"{name} voxel {i}: ITK {BitConverter.Int32BitsToSingle((int)bits[i]):R}, ours {got[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(NiftiFixtures.ItkNames), MemberType = typeof(NiftiFixtures))]
    public void LabelWrittenBackHasItksHeaderAndData(string name)
    {
        string reference = Path.Combine(NiftiFixtures.Root, "itk", "written", name + ".label.nii.gz");
        if (!File.Exists(reference))
        {
            return;
        }

        using ImageVolume volume = io.Read([NiftiFixtures.Input(name)]);
        byte[] labels = NiftiFixtures.Labels(volume.Geometry.OriginalShape);
        string output = Path.Combine(TestPaths.NewTempFolder(), name + ".nii.gz");

        io.WriteSegmentation(output, labels, volume.Geometry);

        byte[] want = NiftiFixtures.Decompress(reference), got = NiftiFixtures.Decompress(output);
        Assert.Equal(want.Length, got.Length);
        Assert.Equal(want[..256], got[..256]);
        for (int offset = 256; offset < 328; offset += 4)
        {
            float w = NiftiFixtures.Single(want, offset), g = NiftiFixtures.Single(got, offset);
            Assert.True(Math.Abs(w - g) <= HeaderFloatTolerance * Math.Max(1, Math.Abs(w)), $"{name} header offset {offset}: ITK {w:R}, ours {g:R}");
        }

        Assert.Equal(want[328..], got[328..]);
    }

    [Fact]
    public void FourDimensionalImageBecomesChannels()
    {
        using ImageVolume volume = io.Read([NiftiFixtures.Input("dim4d_two_channels")]);
        Assert.Equal(2, volume.Data.Channels);
        Assert.Equal(new Shape3(3, 4, 5), volume.Data.Shape);
        var error = Assert.Throws<SegEngineException>(() => io.WriteSegmentation(Path.Combine(TestPaths.NewTempFolder(), "x.nii.gz"), new byte[60], volume.Geometry));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
    }

    [Fact]
    public void TwoDimensionalImageIsOneSlice()
    {
        using ImageVolume volume = io.Read([NiftiFixtures.Input("dim2d")]);
        Assert.Equal(new Shape3(1, 4, 5), volume.Data.Shape);
        Assert.True(volume.Geometry.Is2D);
    }

    private static double[] Doubles(JsonElement e, string property) =>
        e.GetProperty(property).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= GeometryTolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: ITK {expected[i]:R}, ours {actual[i]:R}");
        }
    }
}
