using System.Buffers.Binary;
using System.Diagnostics;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

/// <summary>
/// A seeded corpus of geometry corruptions (non-finite, zero, denormal and absurd values in pixdim, the quaternion,
/// qoffset and srow, with both transforms declared): each file is either refused naming the file and the field, or read
/// into finite geometry whose segmentation can be written and read back.
/// </summary>
public sealed class NiftiGeometryCorpusTests
{
    private const int Seed = 20261207;

    private static readonly byte[] Nifti1 = BothTransforms(File.ReadAllBytes(NiftiFixtures.Input("dtype_int16")));

    private static readonly byte[] Nifti2 = File.ReadAllBytes(NiftiFixtures.Input("nifti2_float32"));

    private static readonly (string Field, int Offset)[] Fields =
    [
        ("pixdim[1]", 80), ("pixdim[2]", 84), ("pixdim[3]", 88),
        ("quatern_b", 256), ("quatern_c", 260), ("quatern_d", 264),
        ("qoffset_x", 268), ("qoffset_y", 272), ("qoffset_z", 276),
        .. Enumerable.Range(0, 12).Select(k => ($"srow_{"xyz"[k / 4]}[{k % 4}]", 280 + (4 * k))),
    ];

    private static readonly float[] Values =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e30f, -1e30f, 1e-30f, 1e-40f, float.Epsilon,
        float.MaxValue, 1e7f, 5e-7f, -2.5f, 0.5f, 3f,
    ];

    [Theory]
    [InlineData("NibabelIO")]
    [InlineData("SimpleITKIO")]
    public void CorruptedGeometryIsRefusedNamingTheFieldOrReadIntoWritableGeometry(string reader)
    {
        var random = new Random(Seed + reader.Length);
        var watch = Stopwatch.StartNew();
        string folder = TestPaths.NewTempFolder();
        IImageReaderWriter io = ImageReaderWriters.Create(reader);
        int refused = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] bytes = (byte[])Nifti1.Clone();
            var changed = new Dictionary<string, float>();
            for (int n = 1 + random.Next(2); n > 0; n--)
            {
                (string field, int offset) = Fields[random.Next(Fields.Length)];
                float value = Values[random.Next(Values.Length)];
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset), value);
                changed[field] = value;
            }

            string path = Path.Combine(folder, $"geometry_{trial}.nii");
            File.WriteAllBytes(path, bytes);
            string what = $"seed {Seed}, trial {trial}, {reader}: {string.Join(", ", changed.Select(c => $"{c.Key}={c.Value:R}"))}";
            try
            {
                using ImageVolume image = io.Read([path]);
                Assert.All(image.Spacing, s => Assert.True(double.IsFinite(s) && s > 0, what));
                Assert.True(changed.Values.All(float.IsFinite), $"{what}: a non-finite value was read");
                Assert.True(
                    changed.Where(c => c.Key.StartsWith("pixdim", StringComparison.Ordinal)).All(c => Math.Abs(c.Value) is >= 1e-6f and <= 1e6f),
                    $"{what}: an absurd spacing was read");
                string output = Path.Combine(folder, $"seg_{trial}.nii.gz");
                io.WriteSegmentation(output, new byte[image.Data.Shape.Voxels], image.Geometry);
                io.Read([output]).Dispose();
            }
            catch (NiftiFormatException error)
            {
                refused++;
                Assert.Contains(path, error.Message);
                Assert.True(
                    changed.ContainsKey(error.Field) || IsDerivedField(error.Field),
                    $"{what}: field {error.Field}: {error.Message}");
            }
        }

        Assert.InRange(refused, 50, 199);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("NibabelIO", 80, "pixdim[1]")]
    [InlineData("NibabelIO", 256, "quatern_b")]
    [InlineData("NibabelIO", 276, "qoffset_z")]
    [InlineData("NibabelIO", 304, "srow_y[2]")]
    [InlineData("SimpleITKIO", 88, "pixdim[3]")]
    [InlineData("SimpleITKIO", 264, "quatern_d")]
    [InlineData("SimpleITKIO", 268, "qoffset_x")]
    [InlineData("SimpleITKIO", 324, "srow_z[3]")]
    public void NonFiniteFieldIsNamed(string reader, int offset, string field)
    {
        foreach (float value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            byte[] bytes = (byte[])Nifti1.Clone();
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset), value);
            string path = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii");
            File.WriteAllBytes(path, bytes);
            var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create(reader).Read([path]).Dispose());
            Assert.Equal(field, error.Field);
            Assert.Contains(path, error.Message);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-300)]
    [InlineData(1e-30)]
    [InlineData(4.9e-324)]
    [InlineData(1e30)]
    [InlineData(1e300)]
    [InlineData(double.NaN)]
    public void AbsurdNifti2SpacingIsRefusedByBothReaders(double spacing)
    {
        byte[] bytes = (byte[])Nifti2.Clone();
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(104 + 16), spacing);
        string path = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii");
        File.WriteAllBytes(path, bytes);
        foreach (string reader in new[] { "NibabelIO", "SimpleITKIO" })
        {
            var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create(reader).Read([path]).Dispose());
            Assert.Equal("pixdim[2]", error.Field);
            Assert.Contains(path, error.Message);
        }
    }

    [Fact]
    public void AllZeroSformIsRefusedByNibabelIOAndLeftToTheQformBySimpleItkIO()
    {
        byte[] bytes = (byte[])Nifti1.Clone();
        bytes.AsSpan(280, 48).Clear();
        string path = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create("NibabelIO").Read([path]).Dispose());
        Assert.Equal("srow_x/y/z[0]", error.Field);
        Assert.Contains(path, error.Message);

        // ITK takes the qform when the sform is not orthonormal, as ITK does.
        ImageReaderWriters.Create("SimpleITKIO").Read([path]).Dispose();
    }

    [Fact]
    public void CoplanarSformIsRefusedByNibabelIO()
    {
        byte[] bytes = (byte[])Nifti1.Clone();
        for (int row = 0; row < 3; row++)
        {
            // Column 1 := column 0.
            bytes.AsSpan(280 + (16 * row), 4).CopyTo(bytes.AsSpan(284 + (16 * row)));
        }

        string path = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create("NibabelIO").Read([path]).Dispose());
        Assert.Equal("srow_x/y/z", error.Field);
    }

    [Theory]
    [InlineData(40000L, 1L, 1L)]
    [InlineData(1L, 1L, 40000L)]
    [InlineData(1L, 40000L, 1L)]
    public void DegenerateNifti2SizesAreRead(long x, long y, long z)
    {
        byte[] bytes = [.. Nifti2[..544], .. new byte[x * y * z * 4]];
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), x);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32), y);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(40), z);
        string path = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii");
        File.WriteAllBytes(path, bytes);
        foreach (string reader in new[] { "NibabelIO", "SimpleITKIO" })
        {
            using ImageVolume image = ImageReaderWriters.Create(reader).Read([path]);
            Assert.Equal(new Shape3((int)z, (int)y, (int)x), image.Data.Shape);
        }
    }

    [Fact]
    public void Nifti2AxisBeyondAnArrayAxisIsRefusedNamingTheDim()
    {
        byte[] bytes = (byte[])Nifti2.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), 1L << 32);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32), 1);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(40), 1);
        string path = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create("NibabelIO").Read([path]).Dispose());
        Assert.Equal("dim[1]", error.Field);
        Assert.Contains(path, error.Message);
    }

    /// <summary>Fields named for a property of several values: the sform as a whole or a column, ITK's "no orthonormal definition", the quaternion's norm.</summary>
    private static bool IsDerivedField(string field) =>
        field.StartsWith("srow_x/y/z", StringComparison.Ordinal) || field is "srow_x" or "quatern_b";

    /// <summary>The fixture with qform_code 1 as well, so that the quaternion and qoffset are in use too.</summary>
    private static byte[] BothTransforms(byte[] bytes)
    {
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(252), 1);
        return bytes;
    }
}
