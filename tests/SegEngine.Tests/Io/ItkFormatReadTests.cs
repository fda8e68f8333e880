using System.Text.Json;
using SegEngine.Io;
using SegEngine.Io.Itk;

namespace SegEngine.Tests.Io;

/// <summary>SimpleITKIO on MetaImage, NRRD and GIPL: every fixture's geometry and voxels bit for bit as ITK 5.2 reads them.</summary>
public sealed class ItkFormatReadTests
{
    private readonly IImageReaderWriter io = ImageReaderWriters.Create("SimpleITKIO");

    [Theory]
    [MemberData(nameof(ItkFixtures.InputNames), MemberType = typeof(ItkFixtures))]
    public void GeometryAndVoxelsEqualItks(string name)
    {
        JsonElement expected = ItkFixtures.Itk.GetProperty(name);
        string path = ItkFixtures.Input(name);
        if (expected.TryGetProperty("error", out _) || expected.TryGetProperty("components", out _) || ItkFixtures.RefusedThoughItkReturnsData.Contains(name))
        {
            var e = Assert.Throws<ItkFormatException>(() => io.Read([path]));
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
            return;
        }

        using ImageVolume volume = io.Read([path]);
        int dimension = expected.GetProperty("dimension").GetInt32();
        double[] spacing = ItkFixtures.Doubles(expected, "spacing");
        Assert.Equal(dimension, volume.Geometry.ItkDimension);
        Assert.Equal(spacing, volume.Geometry.ItkSpacing!);
        Assert.Equal(ItkFixtures.Doubles(expected, "origin"), volume.Geometry.ItkOrigin!);
        Assert.Equal(ItkFixtures.Doubles(expected, "direction"), volume.Geometry.ItkDirection!);

        // nnU-Net's props['spacing']: reversed; 2D (999·max, sy, sx); 4D reversed[1:] with the 4th axis as channels.
        double[] nnunet = dimension == 2 ? [999 * spacing.Max(), spacing[1], spacing[0]] : [spacing[2], spacing[1], spacing[0]];
        Assert.Equal(nnunet, volume.Spacing);
        int[] size = expected.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal(dimension == 4 ? size[3] : 1, volume.Data.Channels);

        uint[] bits = expected.GetProperty("voxel_bits").EnumerateArray().Select(v => v.GetUInt32()).ToArray();
        float[] got = volume.Data.Span.ToArray();
        Assert.Equal(bits.Length, got.Length);
        for (int i = 0; i < bits.Length; i++)
        {
            Assert.True((uint)BitConverter.SingleToInt32Bits(got[i]) == bits[i], $"{name} voxel {i}: ITK {BitConverter.Int32BitsToSingle((int)bits[i]):R}, ours {got[i]:R}");
        }
    }

    [Fact]
    public void ChannelFilesInDifferentFormatsStackWhenTheyAgree()
    {
        // The same int16 voxels and geometry as a MetaImage with detached data and as an attached one.
        using ImageVolume both = io.Read([ItkFixtures.Input("itk_mhd_detached.mhd"), ItkFixtures.Input("itk_mhd_detached_zlib.mhd")]);
        Assert.Equal(2, both.Data.Channels);
        Assert.Equal(both.Data.Channel(0).ToArray(), both.Data.Channel(1).ToArray());
    }
}
