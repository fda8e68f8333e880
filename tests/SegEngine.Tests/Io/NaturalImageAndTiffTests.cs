using System.Text.Json;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

/// <summary>
/// nnU-Net's <c>NaturalImage2DIO</c> and <c>Tiff3DIO</c> against their own classes run on Debian's scikit-image 0.19,
/// imageio 2.4, Pillow 9.4 and tifffile 2023.2 (tests/fixtures/natural/make_natural_fixtures.py): voxels bit for bit,
/// shape, spacing, the refusals; written files decode to what nnU-Net's files decode to, in the same layout, and
/// Tiff3DIO's spacing file is byte for byte nnU-Net's.
/// </summary>
public sealed class NaturalImageAndTiffTests
{
    private static readonly string Root = Path.Combine(TestPaths.Fixtures, "natural");

    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "natural.json"))).RootElement;

    public static IEnumerable<object[]> Names() => Expected.EnumerateObject().Select(p => new object[] { p.Name });

    [Theory]
    [MemberData(nameof(Names))]
    public void ReadsAsNnunetDoes(string name)
    {
        JsonElement expected = Expected.GetProperty(name);
        IImageReaderWriter io = ImageReaderWriters.Create(expected.GetProperty("reader").GetString()!);
        string path = Input(name);
        if (expected.TryGetProperty("error", out _))
        {
            var error = Assert.Throws<SegEngineException>(() => io.Read([path]));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            return;
        }

        using ImageVolume volume = io.Read([path]);
        NpyArray reference = Npy.Read(Path.Combine(Root, "read", name + ".npy"));
        Assert.Equal(reference.Shape, new long[] { volume.Data.Channels }.Concat(volume.Data.Shape.ToArray().Select(v => (long)v)).ToArray());
        Assert.Equal(expected.GetProperty("spacing").EnumerateArray().Select(e => e.GetDouble()).ToArray(), volume.Spacing);
        float[] want = reference.As<float>().ToArray();
        float[] got = volume.Data.Span.ToArray();
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]),
                $"{name} value {i}: nnU-Net {want[i]:R}, ours {got[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void WritesWhatNnunetWrites(string name)
    {
        JsonElement expected = Expected.GetProperty(name);
        if (expected.TryGetProperty("error", out _))
        {
            return;
        }

        string reader = expected.GetProperty("reader").GetString()!;
        IImageReaderWriter io = ImageReaderWriters.Create(reader);
        using ImageVolume volume = io.Read([Input(name)]);
        string ending = Path.GetExtension(Input(name));
        foreach (bool wide in reader == "Tiff3DIO" || ending == ".bmp" ? [false] : new[] { false, true })
        {
            string file = name + (wide ? "_wide" : string.Empty) + ending;
            string ours = Path.Combine(TestPaths.NewTempFolder(), file);
            ushort[] labels = Labels(volume.Geometry.OriginalShape, wide);
            io.WriteSegmentation(ours, labels, volume.Geometry);

            string theirs = Path.Combine(Root, "written", file);
            using ImageVolume want = io.Read([theirs]);
            using ImageVolume got = io.Read([ours]);
            Assert.Equal(want.Data.Channels, got.Data.Channels);
            Assert.Equal(want.Data.Shape, got.Data.Shape);
            Assert.Equal(want.Data.Span.ToArray(), got.Data.Span.ToArray());
            Assert.Equal(labels.Select(v => (float)v), got.Data.Span.ToArray());
            if (reader == "Tiff3DIO")
            {
                Assert.Equal(File.ReadAllBytes(Path.ChangeExtension(theirs, ".json")), File.ReadAllBytes(Path.ChangeExtension(ours, ".json")));
            }

            if (ending == ".png")
            {
                // IHDR bit depth and colour type: 8- or 16-bit grey, as Pillow writes them.
                Assert.Equal(File.ReadAllBytes(theirs)[24..26], File.ReadAllBytes(ours)[24..26]);
            }

            if (ending == ".bmp")
            {
                Assert.Equal(File.ReadAllBytes(theirs)[28], File.ReadAllBytes(ours)[28]);
            }
        }
    }

    [Fact]
    public void SixteenBitLabelsAreNotWrittenAsBmp()
    {
        using ImageVolume volume = ImageReaderWriters.Create("NaturalImage2DIO").Read([Input("bmp_grey8")]);
        string path = Path.Combine(TestPaths.NewTempFolder(), "wide.bmp");
        var error = Assert.Throws<SegEngineException>(
            () => new NaturalImage2DIO().WriteSegmentation(path, Labels(volume.Geometry.OriginalShape, wide: true), volume.Geometry));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void GeometryFromPropertiesWritesNnunetsSpacingFile()
    {
        // nnU-Net read [3, 0.5, 0.5] from the case's json and wrote it back; SegEngine's properties keep the numbers.
        using ImageVolume volume = ImageReaderWriters.Create("Tiff3DIO").Read([Input("vol_uint8_deflate")]);
        ImageGeometry rebuilt = ImageGeometry.FromProperties(
            "Tiff3DIO", volume.Geometry.OriginalShape, null, null, "props.json", spacing: volume.Spacing);
        string output = Path.Combine(TestPaths.NewTempFolder(), "vol_uint8_deflate.tif");

        new Tiff3DIO().WriteSegmentation(output, Labels(rebuilt.OriginalShape, wide: false), rebuilt);

        Assert.Equal(File.ReadAllBytes(Path.Combine(Root, "written", "vol_uint8_deflate.json")), File.ReadAllBytes(Path.ChangeExtension(output, ".json")));
        Assert.True(ImageGeometry.FromProperties("NaturalImage2DIO", new Shape3(1, 7, 9), null, null, "props.json").Is2D);
    }

    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(2.5, "2.5")]
    [InlineData(1e-05, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1234567890123456.0, "1234567890123456.0")]
    [InlineData(123456789.125, "123456789.125")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(2.5e+300, "2.5e+300")]
    public void SpacingNumbersArePrintedAsPythonsRepr(double value, string python) =>
        Assert.Equal(python, TiffSpacingFile.PythonRepr(value));

    internal static string Input(string name) => Path.Combine(Root, "inputs", Expected.GetProperty(name).GetProperty("file").GetString()!);

    /// <summary>The generator's labels: (y*3 + x) % 5 in 2-D (+300 where 4 when wide), (z*7 + y*3 + x) % 5 in 3-D.</summary>
    private static ushort[] Labels(Shape3 shape, bool wide) =>
        NiftiFixtures.Labels(shape).Select(v => (ushort)(wide && v == 4 ? 304 : v)).ToArray();
}
