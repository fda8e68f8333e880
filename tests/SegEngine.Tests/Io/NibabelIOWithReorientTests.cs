using System.Text.Json;
using SegEngine.Io;
using SegEngine.Preprocessing;

namespace SegEngine.Tests.Io;

/// <summary>
/// nnU-Net's <c>NibabelIOWithReorient</c> against its own class run on Debian's nibabel 5.0
/// (tests/fixtures/reorient/make_reorient_fixtures.py): voxels and spacing bit for bit, both affines exactly, and the
/// written segmentation's decompressed bytes.
/// </summary>
public sealed class NibabelIOWithReorientTests
{
    /// <summary>Quaternion bytes (see <see cref="NibabelIOTests"/>): nibabel's eigen-solver and ours agree to this bound.</summary>
    private const int QuaternStart = 256;
    private const int QuaternEnd = 328;
    private const float QuaternTolerance = 1e-6f;

    private static readonly string Root = Path.Combine(TestPaths.Fixtures, "reorient");

    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "reorient.json"))).RootElement;

    private readonly IImageReaderWriter io = ImageReaderWriters.Create("NibabelIOWithReorient");

    public static IEnumerable<object[]> Names() => Expected.EnumerateObject().Select(p => new object[] { p.Name });

    [Theory]
    [MemberData(nameof(Names))]
    public void ReadsAsNnunetDoes(string name)
    {
        JsonElement expected = Expected.GetProperty(name);
        using ImageVolume volume = io.Read([Input(name)]);

        NpyArray reference = Npy.Read(Path.Combine(Root, "read", name + ".npy"));
        Assert.Equal(reference.Shape, new long[] { volume.Data.Channels }.Concat(volume.Data.Shape.ToArray().Select(v => (long)v)).ToArray());
        Assert.Equal(Numbers(expected.GetProperty("spacing")), volume.Spacing);
        Assert.Equal(Matrix(expected.GetProperty("original_affine")), volume.Geometry.Affine);
        Assert.Equal(Matrix(expected.GetProperty("reoriented_affine")), volume.Geometry.ReorientedAffine);
        float[] want = reference.As<float>().ToArray();
        float[] got = volume.Data.Span.ToArray();
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]),
                $"{name} voxel {i}: nnU-Net {want[i]:R}, ours {got[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void OrientationIsNibabels(string name)
    {
        double[] ornt = Matrix(Expected.GetProperty(name).GetProperty("ornt"));
        NibabelOrientation.Orientation ours = NibabelOrientation.Of(Matrix(Expected.GetProperty(name).GetProperty("original_affine")), name);

        Assert.Equal(ornt.Where((_, i) => i % 2 == 0).Select(v => (int)v), ours.Axis);
        Assert.Equal(ornt.Where((_, i) => i % 2 == 1).Select(v => (int)v), ours.Flip);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void WritesTheSegmentationAsNnunetDoes(string name)
    {
        using ImageVolume volume = io.Read([Input(name)]);
        string output = Path.Combine(TestPaths.NewTempFolder(), name + ".nii.gz");
        Shape3 shape = volume.Geometry.OriginalShape;
        if (name.EndsWith("_wide", StringComparison.Ordinal))
        {
            ushort[] wide = NiftiFixtures.Labels(shape).Select(v => (ushort)(v == 4 ? 304 : v)).ToArray();
            io.WriteSegmentation(output, wide, volume.Geometry);
        }
        else
        {
            io.WriteSegmentation(output, NiftiFixtures.Labels(shape), volume.Geometry);
        }

        byte[] want = NiftiFixtures.Decompress(Path.Combine(Root, "written", name + ".nii.gz"));
        byte[] got = NiftiFixtures.Decompress(output);
        Assert.Equal(want.Length, got.Length);
        Assert.Equal(want[..QuaternStart], got[..QuaternStart]);
        Assert.Equal(want[QuaternEnd..], got[QuaternEnd..]);
        for (int offset = QuaternStart; offset < QuaternEnd; offset += 4)
        {
            float a = BitConverter.ToSingle(want, offset), b = BitConverter.ToSingle(got, offset);
            Assert.True(Math.Abs(a - b) <= QuaternTolerance, $"{name} header byte {offset}: nibabel {a:R}, ours {b:R}");
        }
    }

    /// <summary>Affines whose reoriented translation rounds differently with and without fused multiply-adds: numpy's bits.</summary>
    [Fact]
    public void ReorientedAffineIsNumpysProductBitForBit()
    {
        using JsonDocument products = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "dot_products.json")));
        foreach (JsonElement product in products.RootElement.EnumerateArray())
        {
            double[] affine = Matrix(product.GetProperty("affine"));
            int[] shape = product.GetProperty("shape_xyz").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            NibabelOrientation.Orientation ornt = NibabelOrientation.Of(affine, "product");

            double[] ours = NibabelOrientation.Multiply(affine, NibabelOrientation.InverseAffine(ornt, shape));

            Assert.Equal(Matrix(product.GetProperty("numpy_dot")).Select(BitConverter.DoubleToInt64Bits), ours.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Fact]
    public void PropertiesKeepBothAffinesSoExportWritesTheSameFile()
    {
        const string name = "oblique_permuted_float32";
        using ImageVolume volume = io.Read([Input(name)]);
        Shape3 shape = volume.Geometry.OriginalShape;
        var properties = new PreprocessingProperties(
            shape, new BoundingBox(0, shape.Z, 0, shape.Y, 0, shape.X), shape, volume.Spacing, null, volume.Geometry.Affine)
        {
            ReorientedAffine = volume.Geometry.ReorientedAffine,
        };

        PreprocessingProperties back = PreprocessingProperties.ReadJson(properties.WriteJson(), "props.json");
        ImageGeometry rebuilt = back.Geometry(NibabelIOWithReorient.ReaderName, [0, 1, 2], "props.json");

        string fromImage = Path.Combine(TestPaths.NewTempFolder(), "a.nii.gz"), fromProperties = Path.Combine(TestPaths.NewTempFolder(), "b.nii.gz");
        io.WriteSegmentation(fromImage, NiftiFixtures.Labels(shape), volume.Geometry);
        io.WriteSegmentation(fromProperties, NiftiFixtures.Labels(shape), rebuilt);
        Assert.Equal(NiftiFixtures.Decompress(fromImage), NiftiFixtures.Decompress(fromProperties));
    }

    [Fact]
    public void PropertiesWithoutTheReorientedAffineAreRefused()
    {
        var error = Assert.Throws<SegEngineException>(() => ImageGeometry.FromProperties(
            NibabelIOWithReorient.ReaderName, new Shape3(2, 3, 4), new double[16], null, "props.json"));
        Assert.Contains("nibabel_stuff.reoriented_affine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedFileIsRefusedNamingIt()
    {
        byte[] bytes = File.ReadAllBytes(Input("oblique_permuted_float32"));
        string path = Path.Combine(TestPaths.NewTempFolder(), "truncated.nii");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 40)]);

        var error = Assert.Throws<NiftiFormatException>(() => io.Read([path]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SingularAffineIsRefusedNamingTheFile()
    {
        double[] flat = [1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
        var error = Assert.Throws<NiftiFormatException>(() => NibabelOrientation.Of(flat, "flat.nii"));
        Assert.Contains("flat.nii", error.Message, StringComparison.Ordinal);
    }

    private static string Input(string name) => Path.Combine(Root, "inputs", name + ".nii");

    private static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static double[] Matrix(JsonElement rows) => rows.EnumerateArray().SelectMany(Numbers).ToArray();
}
