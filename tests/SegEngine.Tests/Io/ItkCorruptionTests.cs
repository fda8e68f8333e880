using System.Diagnostics;
using System.Text;
using SegEngine.Io;
using SegEngine.Io.Itk;

namespace SegEngine.Tests.Io;

/// <summary>
/// Corrupt, truncated and hostile MetaImage/NRRD/GIPL files end in an <see cref="ItkFormatException"/> naming the file and
/// the field, and header numbers never make the reader allocate more than the file can hold.
/// </summary>
public sealed class ItkCorruptionTests
{
    /// <summary>Far below what any of the huge declared sizes would need (gigabytes), far above what reading a small header takes.</summary>
    private const long AllocationLimit = 16 << 20;

    private const string MhaHeader = "ObjectType = Image\nNDims = 3\nDimSize = 5 4 3\nElementType = MET_SHORT\n";

    private const string NrrdHeader = "NRRD0004\ntype: short\ndimension: 3\nsizes: 5 4 3\nendian: little\n";

    private readonly IImageReaderWriter io = ImageReaderWriters.Create("SimpleITKIO");

    public static TheoryData<string, string, string> BadHeaders() => new()
    {
        { "ndims.mha", "ObjectType = Image\nNDims = 5\nDimSize = 2 2 2 2 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "DimSize" },
        { "ndims_text.mha", "NDims = three\nElementDataFile = LOCAL\n", "NDims" },
        { "dimsize_zero.mha", "NDims = 3\nDimSize = 5 0 3\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "DimSize" },
        { "dimsize_short.mha", "NDims = 3\nDimSize = 5 4\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "DimSize" },
        { "dimsize_fraction.mha", "NDims = 3\nDimSize = 5 4.5 3\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", "DimSize" },
        { "type.mha", "NDims = 3\nDimSize = 5 4 3\nElementType = MET_STRING\nElementDataFile = LOCAL\n", "ElementType" },
        { "channels.mha", MhaHeader + "ElementNumberOfChannels = 3\nElementDataFile = LOCAL\n", "ElementNumberOfChannels" },
        { "ascii.mha", MhaHeader + "BinaryData = False\nElementDataFile = LOCAL\n", "BinaryData" },
        { "spacing_zero.mha", MhaHeader + "ElementSpacing = 1 0 1\nElementDataFile = LOCAL\n", "ElementSpacing" },
        { "spacing_nan.mha", MhaHeader + "ElementSpacing = 1 NaN 1\nElementDataFile = LOCAL\n", "ElementSpacing" },
        { "origin_text.mha", MhaHeader + "Offset = 1 x 1\nElementDataFile = LOCAL\n", "Offset" },
        { "matrix_short.mha", MhaHeader + "TransformMatrix = 1 0 0 0 1 0\nElementDataFile = LOCAL\n", "TransformMatrix" },
        { "no_datafile.mha", MhaHeader, "ElementDataFile" },
        { "not_key_value.mha", "this is not a header\n", "header" },
        { "compressed_no_size.mha", MhaHeader + "CompressedData = True\nElementDataFile = LOCAL\n", "CompressedDataSize" },
        { "list.mhd", MhaHeader + "ElementDataFile = LIST\nslice0.raw\n", "ElementDataFile" },
        { "pattern.mhd", MhaHeader + "ElementDataFile = slice%03d.raw 1 3 1\n", "ElementDataFile" },
        { "escape.mhd", MhaHeader + "ElementDataFile = ../secret.raw\n", "ElementDataFile" },
        { "absolute.mhd", MhaHeader + "ElementDataFile = /etc/passwd\n", "ElementDataFile" },
        { "magic.nrrd", "NRRD0009\ntype: short\n\n", "magic" },
        { "encoding.nrrd", NrrdHeader + "encoding: bzip2\n\n", "encoding" },
        { "encoding_ascii.nrrd", NrrdHeader + "encoding: ascii\n\n", "encoding" },
        { "type.nrrd", "NRRD0004\ntype: block\ndimension: 3\nsizes: 5 4 3\nencoding: raw\n\n", "type" },
        { "sizes_count.nrrd", "NRRD0004\ntype: short\ndimension: 3\nsizes: 5 4\nencoding: raw\nendian: little\n\n", "sizes" },
        { "sizes_before_dimension.nrrd", "NRRD0004\ntype: short\nsizes: 5 4 3\ndimension: 3\nencoding: raw\n\n", "sizes" },
        { "vector.nrrd", "NRRD0004\ntype: short\ndimension: 4\nsizes: 3 5 4 3\nkinds: vector domain domain domain\nendian: little\nencoding: raw\n\n", "kinds" },
        { "no_endian.nrrd", "NRRD0004\ntype: short\ndimension: 3\nsizes: 5 4 3\nencoding: raw\n\n", "endian" },
        { "space_mismatch.nrrd", "NRRD0004\ntype: short\ndimension: 2\nspace: LPS\nsizes: 5 4\nencoding: raw\nendian: little\n\n", "space" },
        { "spacings_with_space.nrrd", "NRRD0004\ntype: short\ndimension: 3\nspace: LPS\nsizes: 5 4 3\nspacings: 1 1 1\nencoding: raw\nendian: little\n\n", "spacings" },
        { "bad_vector.nrrd", "NRRD0004\ntype: short\ndimension: 3\nspace: LPS\nsizes: 5 4 3\nspace directions: (1,0) (0,1,0) (0,0,1)\nencoding: raw\nendian: little\n\n", "space directions" },
        { "zero_direction.nrrd", "NRRD0004\ntype: short\ndimension: 3\nspace: LPS\nsizes: 5 4 3\nspace directions: (0,0,0) (0,1,0) (0,0,1)\nencoding: raw\nendian: little\n\n", "space directions" },
        { "no_blank_line.nrrd", NrrdHeader + "encoding: raw\n", "header" },
        { "byteskip_gzip.nrrd", NrrdHeader + "encoding: gzip\nbyte skip: -1\n\n", "byte skip" },
        { "escape.nrrd", NrrdHeader + "encoding: raw\ndata file: ../../x.raw\n", "data file" },
        { "list.nhdr", NrrdHeader + "encoding: raw\ndata file: LIST\na.raw\n", "data file" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void BadHeaderNamesFileAndField(string name, string header, string field)
    {
        string path = Write(name, Encoding.ASCII.GetBytes(header));
        var e = Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose());
        Assert.Equal(field, e.Field);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    /// <summary>The batch planner's probe meets the same headers: the same refusal, and nothing allocated from their numbers.</summary>
    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void ProbeOfBadHeaderNamesFileAndField(string name, string header, string field)
    {
        string path = Write(name, Encoding.ASCII.GetBytes(header));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ItkFormatException>(() => io.ProbeHeader(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationLimit);
        Assert.Equal(field, e.Field);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("itk_mha_float32_raw.mha", "data")]
    [InlineData("itk_mha_float32.mha", "CompressedDataSize")]
    [InlineData("itk_nrrd_float32_raw.nrrd", "data")]
    [InlineData("itk_nrrd_float32.nrrd", "data")]
    [InlineData("itk_gipl_float32.gipl", "data")]
    public void TruncatedFileIsRefused(string fixture, string field)
    {
        byte[] bytes = File.ReadAllBytes(ItkFixtures.Input(fixture));
        string path = Write(fixture, bytes[..^12]);
        var e = Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose());
        Assert.Equal(field, e.Field);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedGiplHeaderIsRefused()
    {
        string path = Write("short.gipl", File.ReadAllBytes(ItkFixtures.Input("itk_gipl_uint8.gipl"))[..100]);
        Assert.Equal("header", Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose()).Field);
    }

    [Theory]
    [InlineData(252, "magic_number")]
    [InlineData(9, "image_type")]
    [InlineData(1, "dims")]
    public void BadGiplFieldIsRefused(int offset, string field)
    {
        byte[] bytes = File.ReadAllBytes(ItkFixtures.Input("itk_gipl_uint8.gipl"));
        bytes[offset] = offset == 1 ? (byte)0 : (byte)0x20;
        if (offset == 1)
        {
            bytes[0] = 0;
        }

        string path = Write("bad.gipl", bytes);
        Assert.Equal(field, Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose()).Field);
    }

    [Theory]
    [InlineData("itk_mha_float32.mha", "zlib")]
    [InlineData("itk_nrrd_float32.nrrd", "gzip")]
    public void DamagedCompressedStreamIsRefused(string fixture, string field)
    {
        byte[] bytes = File.ReadAllBytes(ItkFixtures.Input(fixture));
        for (int i = bytes.Length - 60; i < bytes.Length - 10; i++)
        {
            bytes[i] ^= 0x5A;
        }

        string path = Write(fixture, bytes);
        var e = Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose());
        Assert.Contains(e.Field, new[] { field, "data" });
    }

    /// <summary>Huge declared sizes with a few bytes of data: refused before any buffer of that size exists.</summary>
    [Theory]
    [InlineData("huge.mha", "NDims = 3\nDimSize = 2000 2000 2000\nElementType = MET_FLOAT\nElementDataFile = LOCAL\n")]
    [InlineData("huge_zlib.mha", "NDims = 3\nDimSize = 2000 2000 2000\nElementType = MET_FLOAT\nCompressedData = True\nCompressedDataSize = 100\nElementDataFile = LOCAL\n")]
    [InlineData("huge.nrrd", "NRRD0004\ntype: float\ndimension: 3\nsizes: 2000 2000 2000\nendian: little\nencoding: gzip\n\n")]
    [InlineData("huge_4d.nrrd", "NRRD0004\ntype: double\ndimension: 4\nsizes: 2147483647 2147483647 2147483647 2147483647\nendian: little\nencoding: raw\n\n")]
    [InlineData("huge_end.nrrd", "NRRD0004\ntype: float\ndimension: 3\nsizes: 2000 2000 2000\nendian: little\nencoding: raw\nbyte skip: -1\n\n")]
    public void HugeDeclaredSizeIsRefusedWithoutAllocating(string name, string header)
    {
        string path = Write(name, [.. Encoding.ASCII.GetBytes(header), .. new byte[100]]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose());
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationLimit, e.Message);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeGiplDimsAreRefusedWithoutAllocating()
    {
        byte[] bytes = File.ReadAllBytes(ItkFixtures.Input("itk_gipl_float32.gipl"));
        bytes[0] = bytes[2] = bytes[4] = 0xFF;
        string path = Write("huge.gipl", bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("data", Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose()).Field);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationLimit);
    }

    [Fact]
    public void EndlessHeaderIsRefusedAfterItsLimit()
    {
        string path = Write("endless.mha", Encoding.ASCII.GetBytes(new string('x', HeaderLines.MaxHeaderBytes + 10)));
        Assert.Equal("header", Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose()).Field);
    }

    [Fact]
    public void MissingDetachedDataFileIsAnIoError()
    {
        string path = Write("missing.mhd", Encoding.ASCII.GetBytes(MhaHeader + "ElementDataFile = missing.raw\n"));
        var e = Assert.Throws<SegEngineException>(() => io.Read([path]).Dispose());
        Assert.Contains("missing.raw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetachedDataFileThatIsAFifoIsRefusedWithoutBlocking()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string folder = TestPaths.NewTempFolder();
        using (var mkfifo = Process.Start("mkfifo", [Path.Combine(folder, "pipe.raw")]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        string path = Path.Combine(folder, "x.mhd");
        File.WriteAllText(path, MhaHeader + "ElementDataFile = pipe.raw\n");
        var read = Task.Run(() => io.Read([path]).Dispose());
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30))));
        var e = await Assert.ThrowsAsync<SegEngineException>(() => read);
        Assert.Contains("FIFO", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DetachedDataFileInASubfolderIsRead()
    {
        string folder = TestPaths.NewTempFolder();
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.Copy(ItkFixtures.Input("itk_mhd_detached.raw"), Path.Combine(folder, "data", "x.raw"));
        string header = File.ReadAllText(ItkFixtures.Input("itk_mhd_detached.mhd")).Replace("itk_mhd_detached.raw", "data/x.raw", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "x.mhd"), header);
        using ImageVolume got = io.Read([Path.Combine(folder, "x.mhd")]);
        using ImageVolume want = io.Read([ItkFixtures.Input("itk_mhd_detached.mhd")]);
        Assert.Equal(want.Data.Span.ToArray(), got.Data.Span.ToArray());
    }

    private static string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
