using System.Buffers;
using System.IO.Compression;

namespace SegEngine.Io;

/// <summary>
/// The bytes a reader decodes a header and voxels from: a file as it is, or the decompressed view of a gzip or zlib stream.
/// One rule for every format: damage in a compressed stream is an error naming the file and the compression, at most
/// <see cref="NiftiFile.TrailingBytesTolerated"/> decompressed bytes may follow the data, and the stream must end with its
/// complete, matching trailer (<see cref="GzipEndProbe"/>, <see cref="ZlibEndProbe"/>), which .NET's decoders do not check
/// when the stream is cut inside or before it.
/// </summary>
internal sealed class VoxelStream : IDisposable
{
    /// <summary>Raw bytes decoded per step: large enough for stream efficiency, small enough to stay in L2 while converted.</summary>
    private const int ChunkBytes = 1 << 18;

    private readonly Stream stream;

    private readonly DataErrors errors;

    private readonly GzipEndProbe? gzipEnd;

    private readonly bool zlib;

    /// <summary>Deflate expands at most about 1032:1; a header claiming more than this (plus slack) is a lie or a truncation.</summary>
    private const long MaxDeflateRatio = 1032;

    private const long CompressedSlackBytes = 1 << 20;

    private Adler32 decoded = new();

    private VoxelStream(Stream stream, DataErrors errors, GzipEndProbe? gzipEnd, bool zlib)
    {
        this.stream = stream;
        this.errors = errors;
        this.gzipEnd = gzipEnd;
        this.zlib = zlib;
    }

    /// <summary>Whether the bytes are decompressed (and so their end is proved by <see cref="ExpectEnd"/>).</summary>
    public bool IsCompressed => gzipEnd is not null || zlib;

    /// <summary>The file's bytes as they are, from its current position.</summary>
    public static VoxelStream Plain(Stream file, DataErrors errors) => new(file, errors, null, zlib: false);

    /// <summary>The decompressed bytes of <paramref name="compressed"/>, one or more gzip members (taken over and disposed).</summary>
    public static VoxelStream Gzip(Stream compressed, DataErrors errors)
    {
        var probe = new GzipEndProbe(compressed);
        return new VoxelStream(new GZipStream(probe, CompressionMode.Decompress, leaveOpen: false), errors, probe, zlib: false);
    }

    /// <summary>The decompressed bytes of <paramref name="compressed"/>, one zlib stream (taken over and disposed).</summary>
    public static VoxelStream Zlib(Stream compressed, DataErrors errors)
    {
        VoxelStream? self = null;
        var probe = new ZlibEndProbe(compressed, () => self!.decoded.Value);
        self = new VoxelStream(new ZLibStream(probe, CompressionMode.Decompress, leaveOpen: false), errors, null, zlib: true);
        return self;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the data ends; compression damage becomes the format's error.</summary>
    public int ReadFully(Span<byte> buffer)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int got = stream.Read(buffer[total..]);
                if (got == 0)
                {
                    break;
                }

                if (zlib)
                {
                    // Before the next Read: the end probe asks for the checksum of every byte handed out.
                    decoded.Update(buffer.Slice(total, got));
                }

                total += got;
            }

            return total;
        }
        catch (InvalidDataException e)
        {
            // .NET reports a checksum or size mismatch in a trailer with the same exception as damaged deflate data.
            throw errors.Invalid(
                errors.CompressionField, $"corrupt compressed stream (damaged deflate data, or a trailer that is cut short or does not match the data): {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{errors.Path}: read failed: {e.Message}", e);
        }
    }

    /// <summary>Skips <paramref name="count"/> bytes; fewer left is an error on <paramref name="field"/> (its <paramref name="problem"/>).</summary>
    public void Skip(long count, string field, string problem)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (count > 0)
            {
                int step = (int)Math.Min(count, scratch.Length);
                if (ReadFully(scratch.AsSpan(0, step)) != step)
                {
                    throw errors.Invalid(field, problem, null);
                }

                count -= step;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Decodes <paramref name="destination"/>.Length voxels of <paramref name="type"/> (byte-swapped when
    /// <paramref name="swap"/>) a chunk at a time, converting each with <paramref name="conversion"/>; data that ends
    /// early is an error on the <c>data</c> field.
    /// </summary>
    public void Decode(NiftiDataType type, bool swap, NiftiVoxelConversion conversion, Span<float> destination)
    {
        int bytesPerVoxel = NiftiDataTypes.BytesPerVoxel((short)type);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int voxelsPerChunk = ChunkBytes / bytesPerVoxel;
            long done = 0;
            while (done < destination.Length)
            {
                int voxels = (int)Math.Min(voxelsPerChunk, destination.Length - done);
                Span<byte> raw = chunk.AsSpan(0, voxels * bytesPerVoxel);
                int got = ReadFully(raw);
                if (got != raw.Length)
                {
                    throw errors.Invalid(
                        "data", $"truncated: {destination.Length} voxels need {(long)destination.Length * bytesPerVoxel} bytes, the data ends after {(done * bytesPerVoxel) + got}", null);
                }

                conversion.Convert(raw, type, swap, destination.Slice((int)done, voxels));
                done += voxels;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// After the <paramref name="dataBytes"/> the header declares: for compressed data, at most
    /// <see cref="NiftiFile.TrailingBytesTolerated"/> more decompressed bytes, then a clean end of the stream (a plain
    /// file's length is checked before its voxels are read).
    /// </summary>
    public void ExpectEnd(long dataBytes)
    {
        if (!IsCompressed)
        {
            return;
        }

        byte[] scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long tail = 0;
            int got;
            while ((got = ReadFully(scratch)) > 0)
            {
                tail += got;
                if (tail > NiftiFile.TrailingBytesTolerated)
                {
                    throw errors.Invalid("data", TooLong(dataBytes, $"more than {NiftiFile.TrailingBytesTolerated}"), null);
                }
            }

            if (gzipEnd is not null)
            {
                // Nothing after arming is a clean end too: the decoder finished the last member and ignores bytes that follow it
                // which are not a gzip member (as gzip(1) does), so it never looks at the probe.
                gzipEnd.Arm();
                int payload = GzipEndProbe.Payload.Length;
                got = ReadFully(scratch.AsSpan(0, payload + 1));
                if (got != 0 && !(got == payload && scratch.AsSpan(0, payload).SequenceEqual(GzipEndProbe.Payload)))
                {
                    throw errors.Invalid(
                        errors.CompressionField, "the compressed stream does not end with a complete gzip member (its trailer is missing or cut short)", null);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>The most decompressed bytes <paramref name="compressedBytes"/> of gzip or zlib data can hold, with slack.</summary>
    public static long MostDecompressedBytes(long compressedBytes) => checked((compressedBytes * MaxDeflateRatio) + CompressedSlackBytes);

    /// <summary>The problem when <paramref name="extra"/> bytes follow the declared data: the header does not describe the file.</summary>
    public static string TooLong(long dataBytes, string extra) =>
        $"{extra} bytes follow the {dataBytes} data bytes the header declares (at most {NiftiFile.TrailingBytesTolerated} are ignored); the header does not describe this file";

    public void Dispose() => stream.Dispose();
}
