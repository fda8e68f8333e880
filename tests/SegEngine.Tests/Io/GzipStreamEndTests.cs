using System.Diagnostics;
using System.IO.Compression;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

/// <summary>
/// The end of a NIfTI stream: the data the header declares, at most <see cref="NiftiFile.TrailingBytesTolerated"/> more,
/// then (for gzip) the complete, matching trailer of the last member; bombs fail fast.
/// </summary>
public sealed class GzipStreamEndTests
{
    private const int Seed = 20261207;

    private static readonly byte[] Nifti1 = File.ReadAllBytes(NiftiFixtures.Input("dtype_int16"));

    private static readonly float[] Expected = Read(Write(Nifti1, "reference.nii"));

    public static TheoryData<string> Readers() => new() { "NibabelIO", "SimpleITKIO" };

    [Fact]
    public void TrailerCutAtEveryByteIsRefused()
    {
        byte[] gz = Gzip(Nifti1);
        for (int cut = 1; cut <= 8; cut++)
        {
            AssertGzipError(gz[..^cut], $"cut {cut} bytes into the trailer");
        }
    }

    [Fact]
    public void FlippedCrcOrSizeByteIsRefused()
    {
        byte[] gz = Gzip(Nifti1);
        for (int b = 1; b <= 8; b++)
        {
            byte[] damaged = (byte[])gz.Clone();
            damaged[^b] ^= 0x10;
            AssertGzipError(damaged, b <= 4 ? $"ISIZE byte {4 - b} flipped" : $"CRC byte {8 - b} flipped");
        }
    }

    [Fact]
    public void MultiMemberFilesReadLikeOneMember()
    {
        // Members split inside the header, the extension bytes, the data and at the very end (an empty last member).
        foreach (int split in new[] { 1, 100, 348, 350, 352, 400, Nifti1.Length - 1, Nifti1.Length })
        {
            byte[] twoMembers = [.. Gzip(Nifti1[..split]), .. Gzip(Nifti1[split..])];
            Assert.Equal(Expected, Read(Write(twoMembers, $"two-{split}.nii.gz")));
            AssertGzipError(twoMembers[..^3], $"two members split at {split}, last trailer cut");
        }

        byte[] three = [.. Gzip(Nifti1[..10]), .. Gzip(Nifti1[10..400]), .. Gzip(Nifti1[400..])];
        Assert.Equal(Expected, Read(Write(three, "three.nii.gz")));
    }

    /// <summary>Seeded: streams with no, a short or a random tail, cut anywhere in their last 64 bytes, are refused.</summary>
    [Fact]
    public void EveryCutNearTheEndIsRefused()
    {
        var random = new Random(Seed);
        foreach (int tailLength in new[] { 0, 7, 1000 })
        {
            byte[] tail = new byte[tailLength];
            random.NextBytes(tail);
            foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.SmallestSize, CompressionLevel.NoCompression })
            {
                byte[] gz = Gzip([.. Nifti1, .. tail], level);
                for (int cut = 1; cut <= 64; cut++)
                {
                    string path = Write(gz[..^cut], "cut.nii.gz");
                    var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create("NibabelIO").Read([path]).Dispose());
                    Assert.True(error.Field is "gzip" or "data", $"seed {Seed}, tail {tailLength}, {level}, cut {cut}: {error.Field}");
                    Assert.Contains(path, error.Message);
                }
            }
        }
    }

    /// <summary>Seeded: bytes after the last member that do not start a gzip member are ignored, as gzip(1) does, whatever their length.</summary>
    [Fact]
    public void BytesAfterTheLastMemberAreIgnored()
    {
        var random = new Random(Seed + 1);
        byte[] gz = Gzip(Nifti1);
        for (int length = 1; length <= 40; length++)
        {
            byte[] garbage = new byte[length];
            random.NextBytes(garbage);
            garbage[0] = (byte)(garbage[0] == 0x1F ? 0 : garbage[0]);
            Assert.Equal(Expected, Read(Write([.. gz, .. garbage], $"garbage-{length}.nii.gz")));
            Assert.Equal(Expected, Read(Write([.. gz, .. new byte[length]], $"zeros-{length}.nii.gz")));
        }
    }

    [Fact]
    public void ShortTailIsIgnoredAsNibabelAndItkDo()
    {
        byte[] padded = [.. Nifti1, .. new byte[1000]];
        Assert.Equal(Expected, Read(Write(padded, "padded.nii")));
        Assert.Equal(Expected, Read(Write(Gzip(padded), "padded.nii.gz")));
        Assert.Equal(Expected, Read(Write([.. Gzip(Nifti1), 1, 2, 3], "garbage-after-member.nii.gz")));
    }

    [Fact]
    public void LongTailIsRefused()
    {
        byte[] padded = [.. Nifti1, .. new byte[NiftiFile.TrailingBytesTolerated + 1]];
        AssertDataError(Write(padded, "long-tail.nii"));
        AssertDataError(Write(Gzip(padded), "long-tail.nii.gz"));
    }

    /// <summary>
    /// The header declares 3x4x5 int16; 1280 more members hold 20 GiB of zeros, minutes of inflating. It must fail without
    /// inflating them (the limit leaves room for a loaded machine, far below the time the zeros would take).
    /// </summary>
    [Theory]
    [MemberData(nameof(Readers))]
    public void GzipBombAfterTheDataFailsFast(string reader)
    {
        byte[] zeros = Gzip(new byte[16 << 20], CompressionLevel.SmallestSize);
        using var bomb = new MemoryStream();
        bomb.Write(Gzip(Nifti1));
        for (int i = 0; i < 1280; i++)
        {
            bomb.Write(zeros);
        }

        string path = Write(bomb.ToArray(), "bomb.nii.gz");
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create(reader).Read([path]).Dispose());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.Equal("data", error.Field);
        Assert.Contains(path, error.Message);
    }

    private static void AssertGzipError(byte[] file, string what)
    {
        string path = Write(file, "damaged.nii.gz");
        foreach (string reader in new[] { "NibabelIO", "SimpleITKIO" })
        {
            var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create(reader).Read([path]).Dispose());
            Assert.True(error.Field == "gzip", $"{what} ({reader}): field {error.Field}: {error.Message}");
            Assert.Contains(path, error.Message);
        }
    }

    private static void AssertDataError(string path)
    {
        var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create("NibabelIO").Read([path]).Dispose());
        Assert.Equal("data", error.Field);
        Assert.Contains(path, error.Message);
    }

    private static float[] Read(string path)
    {
        using ImageVolume image = ImageReaderWriters.Create("NibabelIO").Read([path]);
        return image.Data.Span.ToArray();
    }

    private static string Write(byte[] bytes, string name)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gzip(byte[] bytes, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, level))
        {
            gzip.Write(bytes);
        }

        return memory.ToArray();
    }
}
