using System.Buffers.Binary;
using System.IO.Compression;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

public sealed class NiftiCorruptionTests
{
    /// <summary>No corrupt file may make the reader allocate more than this (the valid 3x4x5 fixture needs a few KB).</summary>
    private const long AllocationLimitBytes = 16L << 20;

    private const int FuzzSeed = 20240611;

    private static readonly byte[] Nifti1 = File.ReadAllBytes(NiftiFixtures.Input("dtype_int16"));
    private static readonly byte[] Nifti2 = File.ReadAllBytes(NiftiFixtures.Input("nifti2_float32"));

    private static readonly Dictionary<string, (Func<byte[]> Make, string Field)> Cases = new()
    {
        ["empty file"] = (() => [], "sizeof_hdr"),
        ["three bytes"] = (() => Nifti1[..3], "sizeof_hdr"),
        ["header cut at 200"] = (() => Nifti1[..200], "header"),
        ["header cut at 347"] = (() => Nifti1[..347], "header"),
        ["sizeof_hdr 349"] = (() => Int32(Nifti1, 0, 349), "sizeof_hdr"),
        ["sizeof_hdr 0"] = (() => Int32(Nifti1, 0, 0), "sizeof_hdr"),
        ["magic n+2 in NIfTI-1"] = (() => Bytes(Nifti1, 344, "n+2\0"u8), "magic"),
        ["magic ni1 (pair)"] = (() => Bytes(Nifti1, 344, "ni1\0"u8), "magic"),
        ["magic garbage"] = (() => Bytes(Nifti1, 344, "XYZ\0"u8), "magic"),
        ["dim[0] 0"] = (() => Int16(Nifti1, 40, 0), "dim[0]"),
        ["dim[0] 8"] = (() => Int16(Nifti1, 40, 8), "dim[0]"),
        ["dim[0] -1"] = (() => Int16(Nifti1, 40, -1), "dim[0]"),
        ["dim[1] 0"] = (() => Int16(Nifti1, 42, 0), "dim[1]"),
        ["dim[2] -5"] = (() => Int16(Nifti1, 44, -5), "dim[2]"),
        ["32767^3 voxels in a 472-byte file"] = (() => Int16(Int16(Int16(Nifti1, 42, 32767), 44, 32767), 46, 32767), "data"),
        ["7 dims of 32767 overflow"] = (() => SevenHugeDims(), "dim[4]"),
        ["datatype complex64"] = (() => Int16(Int16(Nifti1, 70, 32), 72, 64), "datatype"),
        ["datatype RGB24"] = (() => Int16(Int16(Nifti1, 70, 128), 72, 24), "datatype"),
        ["datatype 9999"] = (() => Int16(Nifti1, 70, 9999), "datatype"),
        ["bitpix 8 for int16"] = (() => Int16(Nifti1, 72, 8), "bitpix"),
        ["bitpix 0"] = (() => Int16(Nifti1, 72, 0), "bitpix"),
        ["vox_offset 0"] = (() => Single(Nifti1, 108, 0), "vox_offset"),
        ["vox_offset 100"] = (() => Single(Nifti1, 108, 100), "vox_offset"),
        ["vox_offset past the end"] = (() => Single(Nifti1, 108, 1e9f), "vox_offset"),
        ["vox_offset NaN"] = (() => Single(Nifti1, 108, float.NaN), "vox_offset"),
        ["vox_offset 352.5"] = (() => Single(Nifti1, 108, 352.5f), "vox_offset"),
        ["pixdim[1] NaN"] = (() => Single(Nifti1, 80, float.NaN), "pixdim[1]"),
        ["pixdim[2] 0"] = (() => Single(Nifti1, 84, 0), "pixdim[2]"),
        ["pixdim[3] +Inf"] = (() => Single(Nifti1, 88, float.PositiveInfinity), "pixdim[3]"),
        ["data 10 bytes short"] = (() => Nifti1[..^10], "data"),
        ["data 1 byte short"] = (() => Nifti1[..^1], "data"),
        ["scl_inter NaN with slope 2"] = (() => Single(Single(Nifti1, 112, 2), 116, float.NaN), "scl_inter"),
        ["gzip cut in half"] = (() => Gzip(Nifti1)[..(Gzip(Nifti1).Length / 2)], "data"),
        ["gzip magic only"] = (() => [0x1F, 0x8B], "sizeof_hdr"),
        ["gzip corrupt deflate"] = (() => CorruptDeflate(), "gzip"),
        ["gzip claiming 10^12 voxels"] = (() => Gzip(Int16(Int16(Int16(Nifti1, 42, 10000), 44, 10000), 46, 10000)), "data"),
        ["NIfTI-2 bad magic"] = (() => Bytes(Nifti2, 4, "n+2\0XXXX"u8), "magic"),
        ["NIfTI-2 dims overflow"] = (() => Int64(Int64(Nifti2, 24, 1L << 40), 32, 1L << 40), "dim[2]"),
        ["NIfTI-2 vox_offset 100"] = (() => Int64(Nifti2, 168, 100), "vox_offset"),
        ["NIfTI-2 header cut at 500"] = (() => Nifti2[..500], "header"),
        ["NibabelIO 4D input"] = (() => Int16(Int16(Nifti1, 40, 4), 48, 1), "dim[0]"),
    };

    public static IEnumerable<object[]> CaseNames() => Cases.Keys.Select(k => new object[] { k });

    [Fact]
    public void ThereAreAtLeastThirtyDistinctCases() => Assert.True(Cases.Count >= 30, $"{Cases.Count} cases");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void CorruptFileFailsWithNiftiFormatExceptionNamingFileAndField(string name)
    {
        (Func<byte[]> make, string field) = Cases[name];
        string path = Write(make(), name);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create("NibabelIO").Read([path]).Dispose());

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationLimitBytes, "allocated too much");
        Assert.Equal(field, error.Field);
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FuzzedFilesEndInNiftiFormatExceptionOrAValidRead(bool gzip)
    {
        var random = new Random(FuzzSeed + (gzip ? 1 : 0));
        string folder = TestPaths.NewTempFolder();
        foreach (string reader in new[] { "NibabelIO", "SimpleITKIO" })
        {
            IImageReaderWriter io = ImageReaderWriters.Create(reader);
            for (int trial = 0; trial < 150; trial++)
            {
                byte[] bytes = (byte[])Nifti1.Clone();
                bool truncated = random.Next(4) == 0;
                if (truncated)
                {
                    bytes = bytes[..random.Next(bytes.Length)];
                }
                else
                {
                    int flips = 1 + random.Next(8);
                    for (int f = 0; f < flips; f++)
                    {
                        bytes[random.Next(NiftiHeader.Nifti1HeaderSize)] ^= (byte)(1 << random.Next(8));
                    }
                }

                byte[] file = gzip ? Gzip(bytes) : bytes;
                string path = Path.Combine(folder, $"fuzz_{reader}_{trial}.nii");
                File.WriteAllBytes(path, file);
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    io.Read([path]).Dispose();
                    Assert.False(truncated, $"seed {FuzzSeed}, trial {trial}: a truncated file was read");
                }
                catch (NiftiFormatException)
                {
                }

                Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationLimitBytes, $"seed {FuzzSeed}, trial {trial}: allocated too much");
            }
        }
    }

    [Fact]
    public void OneDimensionalImageIsRefusedBySimpleItkIO()
    {
        string path = Write(Int16(Nifti1, 40, 1), "one-d");
        var error = Assert.Throws<NiftiFormatException>(() => ImageReaderWriters.Create("SimpleITKIO").Read([path]));
        Assert.Equal("dim[0]", error.Field);
    }

    [Fact]
    public void HeaderCanBeReadAlone()
    {
        NiftiHeader header = NiftiFile.ReadHeader(NiftiFixtures.Input("nifti2_bigendian_int16_gz"));
        Assert.Equal(2, header.Version);
        Assert.False(header.IsLittleEndian);
        Assert.Equal(NiftiDataType.Int16, header.DataType);
        Assert.Equal([3L, 5, 4, 3], header.Dim[..4]);
        Assert.True(NiftiFile.IsGzip(NiftiFixtures.Input("gzip_named_nii")));
    }

    private static string Write(byte[] bytes, string name)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), string.Concat(name.Split(Path.GetInvalidFileNameChars())) + ".nii");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Int16(byte[] source, int offset, short value)
    {
        byte[] copy = (byte[])source.Clone();
        BinaryPrimitives.WriteInt16LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] Int32(byte[] source, int offset, int value)
    {
        byte[] copy = (byte[])source.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] Int64(byte[] source, int offset, long value)
    {
        byte[] copy = (byte[])source.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] Single(byte[] source, int offset, float value)
    {
        byte[] copy = (byte[])source.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] Bytes(byte[] source, int offset, ReadOnlySpan<byte> value)
    {
        byte[] copy = (byte[])source.Clone();
        value.CopyTo(copy.AsSpan(offset));
        return copy;
    }

    private static byte[] SevenHugeDims()
    {
        byte[] bytes = Int16(Nifti1, 40, 7);
        for (int i = 1; i <= 7; i++)
        {
            bytes = Int16(bytes, 40 + (2 * i), 32767);
        }

        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return memory.ToArray();
    }

    /// <summary>A gzip stream whose deflate body is damaged: a block type bit pattern that is reserved (BTYPE = 11).</summary>
    private static byte[] CorruptDeflate()
    {
        byte[] gz = Gzip(Nifti1);
        gz[10] = 0xFF;
        return gz;
    }
}
