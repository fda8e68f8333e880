using System.Buffers.Binary;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

/// <summary>
/// Corrupt PNG, BMP, TIFF and spacing files: each ends in a <see cref="SegEngineException"/> naming the file (and the
/// field where one is to blame), and a header that declares a huge image is refused before anything of that size is
/// allocated.
/// </summary>
public sealed class NaturalImageAndTiffCorruptionTests
{
    /// <summary>Far below what any of the huge declared sizes would need, far above what reading the small fixtures takes.</summary>
    private const long AllocationBound = 64L << 20;

    public static TheoryData<string, string, string> Corruptions() => new()
    {
        // fixture, corruption, field named in the message
        { "png_grey8", "truncate", "data" },
        { "png_rgb16", "png-size-huge", "IHDR" },
        { "png_rgb8", "png-size-beyond-file", "IHDR width/height" },
        { "png_grey8", "png-colour-type", "IHDR colour type" },
        { "png_grey8", "png-bit-depth", "IHDR bit depth" },
        { "png_grey8", "garbage", "signature" },
        { "bmp_rgb24", "truncate", "BITMAPINFOHEADER width/height" },
        { "bmp_rgb24", "bmp-size-huge", "BITMAPINFOHEADER width/height" },
        { "bmp_rgb24", "bmp-12-bit", "BITMAPINFOHEADER" },
        { "bmp_rgb565", "truncate", "BITMAPINFOHEADER width/height" },
        { "bmp_rgb555", "bmp-size-huge", "BITMAPINFOHEADER width/height" },
        { "tif2d_uint16_deflate", "truncate", "TIFF" },
        { "vol_uint8_deflate", "tiff-width-huge", "TIFF" },
        { "vol_float32_plain", "tiff-width-huge", "TIFF" },
        { "vol_float32_plain", "tiff-strip-offset-beyond-file", "TIFF" },
        { "vol_float32_plain", "garbage", "TIFF header" },
        { "vol_uint8_deflate", "header-only", "TIFF" },
        { "vol_float32_plain", "tiff-lzma", "Compression" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFileIsRefusedNamingFileAndField(string fixture, string corruption, string field)
    {
        string source = NaturalImageAndTiffTests.Input(fixture);
        byte[] bytes = Corrupt(File.ReadAllBytes(source), corruption);
        string path = Path.Combine(TestPaths.NewTempFolder(), Path.GetFileName(source));
        File.WriteAllBytes(path, bytes);
        IImageReaderWriter io = ImageReaderWriters.Create(fixture.StartsWith("vol_", StringComparison.Ordinal) ? "Tiff3DIO" : "NaturalImage2DIO");

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SegEngineException>(() => io.Read([path]));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.True(allocated < AllocationBound, $"{corruption}: {allocated} bytes allocated before the refusal");
    }

    /// <summary>
    /// The batch planner's probe of the same files: a header that cannot be used (no signature, a huge declared size) is
    /// refused naming the file, without allocating from its numbers; damage past the header is the read's to find.
    /// </summary>
    [Theory]
    [MemberData(nameof(Corruptions))]
    public void ProbeOfCorruptFileIsBoundedAndNamesTheFile(string fixture, string corruption, string field)
    {
        string source = NaturalImageAndTiffTests.Input(fixture);
        string path = Path.Combine(TestPaths.NewTempFolder(), Path.GetFileName(source));
        File.WriteAllBytes(path, Corrupt(File.ReadAllBytes(source), corruption));
        IImageReaderWriter io = ImageReaderWriters.Create(fixture.StartsWith("vol_", StringComparison.Ordinal) ? "Tiff3DIO" : "NaturalImage2DIO");
        bool headerBroken = corruption is "garbage" or "png-size-huge" or "bmp-size-huge" or "tiff-width-huge";

        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? thrown = Record.Exception(() => io.ProbeHeader(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < AllocationBound, $"{corruption}: {allocated} bytes allocated by the probe");
        Assert.True(thrown is null or SegEngineException, $"{corruption}: {thrown}");
        if (headerBroken)
        {
            var error = Assert.IsType<SegEngineException>(thrown);
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains(field, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"spacing\": [1, 2]}", "3 entries")]
    [InlineData("{\"spacing\": [1, -2, 3]}", "positive")]
    [InlineData("{\"spacing\": [1, \"a\", 3]}", "positive")]
    [InlineData("{\"sp\": [1, 2, 3]}", "'spacing'")]
    [InlineData("{\"spacing\": [1, 2, 3", "not valid JSON")]
    public void BadSpacingFileIsRefusedNamingIt(string json, string problem)
    {
        string folder = TestPaths.NewTempFolder();
        string image = Path.Combine(folder, "case_0000.tif");
        File.Copy(NaturalImageAndTiffTests.Input("vol_uint8_deflate"), image);
        string spacing = Path.Combine(folder, "case.json");
        File.WriteAllText(spacing, json);

        var error = Assert.Throws<SegEngineException>(() => ImageReaderWriters.Create("Tiff3DIO").Read([image]));

        Assert.Contains(spacing, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingSpacingFileMeansUnitSpacingAsInNnunet()
    {
        string folder = TestPaths.NewTempFolder();
        string image = Path.Combine(folder, "case_0000.tiff");
        File.Copy(NaturalImageAndTiffTests.Input("vol_uint8_deflate"), image);

        using ImageVolume volume = ImageReaderWriters.Create("Tiff3DIO").Read([image]);

        Assert.Equal([1.0, 1.0, 1.0], volume.Spacing);
    }

    private static byte[] Corrupt(byte[] bytes, string corruption)
    {
        switch (corruption)
        {
            case "truncate":
                return bytes[..(bytes.Length / 2)];
            case "header-only":
                return bytes[..Math.Min(bytes.Length, 200)];
            case "garbage":
                return [.. "this is not an image at all, just text"u8];
            case "png-size-huge":
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), 0x7FFFFFFF);
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), 0x7FFFFFFF);
                return bytes;
            case "png-size-beyond-file":
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), 16000);
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), 16000);
                return bytes;
            case "png-colour-type":
                bytes[25] = 5;
                return bytes;
            case "png-bit-depth":
                bytes[24] = 3;
                return bytes;
            case "bmp-size-huge":
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), 1 << 20);
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), 1 << 20);
                return bytes;
            case "bmp-12-bit":
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(28), 12);
                return bytes;
            case "tiff-width-huge":
                SetTiffTag(bytes, 256, 1 << 30);
                return bytes;
            case "tiff-lzma":
                SetTiffTag(bytes, 259, 34925);
                return bytes;
            case "tiff-strip-offset-beyond-file":
                SetTiffTag(bytes, 273, 0x7FFF0000);
                return bytes;
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption, null);
        }
    }

    /// <summary>Overwrites a one-value SHORT or LONG tag of the first IFD of a little-endian TIFF with a LONG value.</summary>
    private static void SetTiffTag(byte[] tiff, ushort tag, int value)
    {
        Assert.Equal((byte)'I', tiff[0]);
        int ifd = BinaryPrimitives.ReadInt32LittleEndian(tiff.AsSpan(4));
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(tiff.AsSpan(ifd));
        for (int i = 0; i < entries; i++)
        {
            Span<byte> entry = tiff.AsSpan(ifd + 2 + (12 * i), 12);
            if (BinaryPrimitives.ReadUInt16LittleEndian(entry) == tag)
            {
                Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]));
                BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], 4);
                BinaryPrimitives.WriteInt32LittleEndian(entry[8..], value);
                return;
            }
        }

        Assert.Fail($"tag {tag} not in the first IFD");
    }
}
