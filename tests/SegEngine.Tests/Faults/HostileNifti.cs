using System.Buffers.Binary;
using System.IO.Compression;

namespace SegEngine.Tests.Faults;

/// <summary>
/// Writes NIfTI-2 <c>.nii.gz</c> files with whatever header a test wants (dims up to int64, pixdims as doubles, so 1e300 and
/// denormals survive), with seeded float32 voxels, or with zero voxels streamed as repeated gzip members so that a
/// header declaring gigabytes really decompresses to them while the test holds only one small block.
/// </summary>
internal static class HostileNifti
{
    private const int HeaderSize = 540;
    private const int VoxOffset = 544;
    private const short Float32 = 16;
    private const short UInt8 = 2;

    /// <summary>
    /// A float32 volume of <paramref name="dims"/> (x, y, z as the file stores them) filled from <paramref name="seed"/>;
    /// <paramref name="voxels"/> writes fewer than the header declares (a header whose count no file could hold).
    /// </summary>
    public static string WriteFloat(string path, long[] dims, double[] pixdim, int seed, long? voxels = null)
    {
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Header(dims, pixdim, Float32, 32));
        var random = new Random(seed);
        long count = voxels ?? dims.Aggregate(1L, (a, b) => a * b);
        var block = new byte[4096 * sizeof(float)];
        for (long done = 0; done < count;)
        {
            int step = (int)Math.Min(4096, count - done);
            for (int i = 0; i < step; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(block.AsSpan(i * sizeof(float)), (float)(random.NextDouble() * 200));
            }

            gzip.Write(block, 0, step * sizeof(float));
            done += step;
        }

        return path;
    }

    /// <summary>
    /// A uint8 volume of <paramref name="dims"/> whose voxels are all zero: the header in a first gzip member, then one
    /// compressed block of zeros written again and again (a gzip file may hold many members; readers concatenate them).
    /// </summary>
    public static string WriteZeros(string path, long[] dims, double[] pixdim)
    {
        const int blockBytes = 1 << 24;
        long voxels = dims.Aggregate(1L, (a, b) => a * b);
        using FileStream file = File.Create(path);
        file.Write(Member(Header(dims, pixdim, UInt8, 8)));
        byte[] zeros = Member(new byte[blockBytes]);
        long full = voxels / blockBytes;
        for (long i = 0; i < full; i++)
        {
            file.Write(zeros);
        }

        file.Write(Member(new byte[voxels % blockBytes]));
        return path;
    }

    /// <summary>The 540-byte NIfTI-2 header with the 4-byte extension flag, scanner-aligned sform from the pixdims.</summary>
    private static byte[] Header(long[] dims, double[] pixdim, short datatype, short bitpix)
    {
        var h = new byte[VoxOffset];
        Span<byte> s = h;
        BinaryPrimitives.WriteInt32LittleEndian(s, HeaderSize);
        "n+2\0\r\n\u001a\n"u8.CopyTo(s[4..]);
        BinaryPrimitives.WriteInt16LittleEndian(s[12..], datatype);
        BinaryPrimitives.WriteInt16LittleEndian(s[14..], bitpix);
        BinaryPrimitives.WriteInt64LittleEndian(s[16..], dims.Length);
        for (int i = 0; i < 7; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s[(24 + (8 * i))..], i < dims.Length ? dims[i] : 1);
        }

        BinaryPrimitives.WriteDoubleLittleEndian(s[104..], 1.0);
        for (int i = 0; i < 7; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(s[(112 + (8 * i))..], i < pixdim.Length ? pixdim[i] : 1.0);
        }

        BinaryPrimitives.WriteInt64LittleEndian(s[168..], VoxOffset);
        BinaryPrimitives.WriteDoubleLittleEndian(s[176..], 1.0);
        BinaryPrimitives.WriteInt32LittleEndian(s[348..], 1);
        for (int row = 0; row < 3; row++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(s[(400 + (32 * row) + (8 * row))..], pixdim[row]);
        }

        BinaryPrimitives.WriteInt32LittleEndian(s[500..], 2);
        return h;
    }

    private static byte[] Member(byte[] content)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return memory.ToArray();
    }
}
