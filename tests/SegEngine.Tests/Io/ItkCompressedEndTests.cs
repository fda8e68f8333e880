using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SegEngine.Io;
using SegEngine.Io.Itk;

namespace SegEngine.Tests.Io;

/// <summary>
/// The end of a MetaImage zlib or NRRD gzip stream, as for NIfTI (<see cref="GzipStreamEndTests"/>): a stream whose
/// trailer is cut short, by any number of bytes, is refused naming the file and the compression, though .NET's decoders
/// end such a stream silently; complete streams read as before.
/// </summary>
public sealed class ItkCompressedEndTests
{
    private readonly IImageReaderWriter io = ImageReaderWriters.Create(SimpleItkIO.ReaderName);

    public static TheoryData<int> Cuts() => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Cuts))]
    public void ZlibStreamCutShortIsRefused(int cut)
    {
        // CompressedDataSize shrinks with the stream, as a writer that lost the end would declare it.
        string path = WithShorterStream("itk_mha_float32.mha", "CompressedDataSize = 251", cut);
        AssertRefused(path, "zlib", cut);
    }

    [Theory]
    [MemberData(nameof(Cuts))]
    public void DetachedZlibStreamCutShortIsRefused(int cut)
    {
        string folder = TestPaths.NewTempFolder();
        string header = Path.Combine(folder, "itk_mhd_detached_zlib.mhd");
        File.WriteAllText(header, File.ReadAllText(ItkFixtures.Input("itk_mhd_detached_zlib.mhd")).Replace("CompressedDataSize = 131", $"CompressedDataSize = {131 - cut}", StringComparison.Ordinal));
        byte[] data = File.ReadAllBytes(ItkFixtures.Input("itk_mhd_detached_zlib.zraw"));
        Assert.Equal(131, data.Length);
        File.WriteAllBytes(Path.Combine(folder, "itk_mhd_detached_zlib.zraw"), data[..^cut]);

        AssertRefused(header, "zlib", cut);
    }

    [Theory]
    [MemberData(nameof(Cuts))]
    public void GzipStreamCutShortIsRefused(int cut)
    {
        byte[] bytes = File.ReadAllBytes(ItkFixtures.Input("itk_nrrd_float32.nrrd"));
        string path = Write("cut.nrrd", bytes[..^cut]);
        AssertRefused(path, "gzip", cut);

        string folder = TestPaths.NewTempFolder();
        File.Copy(ItkFixtures.Input("itk_nhdr_detached_gzip.nhdr"), Path.Combine(folder, "itk_nhdr_detached_gzip.nhdr"));
        byte[] data = File.ReadAllBytes(ItkFixtures.Input("itk_nhdr_detached_gzip.raw.gz"));
        File.WriteAllBytes(Path.Combine(folder, "itk_nhdr_detached_gzip.raw.gz"), data[..^cut]);
        AssertRefused(Path.Combine(folder, "itk_nhdr_detached_gzip.nhdr"), "gzip", cut);
    }

    /// <summary>Seeded: zlib MetaImages at every compression level, cut anywhere in their last 64 bytes (size declared to match), are refused.</summary>
    [Fact]
    public void EveryCutNearTheEndOfAZlibStreamIsRefused()
    {
        var random = new Random(20261207);
        byte[] voxels = new byte[20 * 10 * 5 * 2];
        random.NextBytes(voxels);
        for (int i = 0; i < voxels.Length; i += 3)
        {
            voxels[i] = 0;
        }

        foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.SmallestSize, CompressionLevel.NoCompression })
        {
            using var zlib = new MemoryStream();
            using (var writer = new ZLibStream(zlib, level, leaveOpen: true))
            {
                writer.Write(voxels);
            }

            byte[] stream = zlib.ToArray();
            using (ImageVolume whole = io.Read([Write("whole.mha", MetaImage(stream))]))
            {
                Assert.Equal(voxels.Length / 2, whole.Data.Span.Length);
            }

            for (int cut = 1; cut <= 64; cut++)
            {
                string path = Write("cut.mha", MetaImage(stream[..^cut]));
                var e = Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose());
                Assert.True(cut <= 4 ? e.Field == "zlib" : e.Field is "zlib" or "data", $"{level}, cut {cut}: {e.Field}: {e.Message}");
            }
        }

        static byte[] MetaImage(byte[] stream) =>
        [
            .. Encoding.ASCII.GetBytes(
                $"ObjectType = Image\nNDims = 3\nDimSize = 20 10 5\nElementType = MET_SHORT\nCompressedData = True\nCompressedDataSize = {stream.Length}\nElementDataFile = LOCAL\n"),
            .. stream,
        ];
    }

    [Fact]
    public void FlippedAdlerByteIsRefused()
    {
        byte[] bytes = File.ReadAllBytes(ItkFixtures.Input("itk_mha_float32.mha"));
        for (int b = 1; b <= 4; b++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            damaged[^b] ^= 0x01;
            AssertRefused(Write("flipped.mha", damaged), "zlib", cut: 1);
        }
    }

    [Theory]
    [InlineData("itk_mha_float32.mha")]
    [InlineData("itk_nrrd_float32.nrrd")]
    [InlineData("itk_mhd_detached_zlib.mhd")]
    [InlineData("itk_nhdr_detached_gzip.nhdr")]
    public void CompleteStreamsReadTheirVoxels(string fixture)
    {
        using ImageVolume volume = io.Read([ItkFixtures.Input(fixture)]);
        Assert.Equal(60, volume.Data.Span.Length);
    }

    [Fact]
    public void Adler32IsZlibs()
    {
        var known = new Adler32();
        known.Update("Wikipedia"u8);
        Assert.Equal(0x11E60398u, known.Value);

        var random = new Random(17);
        foreach (int length in new[] { 1, 5551, 5552, 5553, 100_000 })
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            using var zlib = new MemoryStream();
            using (var writer = new ZLibStream(zlib, CompressionLevel.Fastest, leaveOpen: true))
            {
                writer.Write(data);
            }

            var ours = new Adler32();
            ours.Update(data.AsSpan(0, length / 3));
            ours.Update(data.AsSpan(length / 3));
            Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(zlib.ToArray().AsSpan()[^4..]), ours.Value);
        }
    }

    /// <summary>A cut inside the trailer is the compression's fault; a deeper one may end the data short first.</summary>
    private void AssertRefused(string path, string compression, int cut)
    {
        var e = Assert.Throws<ItkFormatException>(() => io.Read([path]).Dispose());
        Assert.True(cut <= 4 || compression == "gzip" ? e.Field == compression : e.Field is "zlib" or "data", $"cut {cut}: {e.Field}: {e.Message}");
        Assert.Contains(Path.GetFileName(path).Replace(".nhdr", ".raw.gz", StringComparison.Ordinal).Replace(".mhd", ".zraw", StringComparison.Ordinal), e.Message, StringComparison.Ordinal);
    }

    private static string WithShorterStream(string fixture, string sizeField, int cut)
    {
        byte[] bytes = File.ReadAllBytes(ItkFixtures.Input(fixture));
        int at = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(sizeField));
        Assert.True(at >= 0);
        int declared = int.Parse(sizeField[(sizeField.IndexOf('=') + 2)..], System.Globalization.CultureInfo.InvariantCulture);
        byte[] shorter = Encoding.ASCII.GetBytes($"CompressedDataSize = {declared - cut}");
        Assert.Equal(sizeField.Length, shorter.Length);
        shorter.CopyTo(bytes, at);
        return Write(fixture, bytes[..^cut]);
    }

    private static string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
