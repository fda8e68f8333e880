using System.Buffers;
using System.IO.Compression;

namespace SegEngine.Io;

/// <summary>
/// Reads NIfTI-1/NIfTI-2 files, plain or gzip (recognised by the magic bytes 1F 8B, not the name), and writes them atomically.
/// Nothing is allocated from header numbers until the file (or, for gzip, a generous bound on what its compressed size can
/// expand to) could really hold that many bytes.
/// </summary>
/// <remarks>
/// After the voxels the file must end: nibabel and ITK read only what the header declares and ignore whatever follows, so a
/// short tail (up to <see cref="TrailingBytesTolerated"/>, e.g. padding) is accepted and ignored too, but a longer one means
/// the header does not describe the file (or a gzip bomb) and is refused without decompressing it. A gzip file must end with
/// complete members whose CRC-32 and size match (<see cref="GzipEndProbe"/>); bytes after the last member that are not a
/// gzip member are ignored, as gzip(1) does.
/// </remarks>
internal static class NiftiFile
{
    /// <summary>Bytes after the voxel data that are ignored rather than refused (decompressed bytes for gzip).</summary>
    internal const long TrailingBytesTolerated = 1 << 20;

    /// <summary>Deflate expands at most about 1032:1; anything claiming more than this (plus slack) is a lie or a truncation.</summary>
    private const long MaxDeflateRatio = 1032;

    private const long GzipSlackBytes = 1 << 20;

    /// <summary>Raw bytes decoded per step: large enough for stream efficiency, small enough to stay in L2 while converted.</summary>
    private const int ChunkBytes = 1 << 18;

    /// <summary>Reads and validates the header only.</summary>
    public static NiftiHeader ReadHeader(string path)
    {
        using Stream stream = OpenData(path, out _, out _);
        return ReadHeader(stream, path);
    }

    /// <summary>Whether the file starts with the gzip magic bytes.</summary>
    public static bool IsGzip(string path)
    {
        using var file = OpenFile(path);
        Span<byte> magic = stackalloc byte[2];
        return file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    /// <summary>
    /// Reads the header, lets <paramref name="plan"/> check it and choose the buffer layout and conversion, then decodes every
    /// voxel into a pooled float32 buffer in file order (x fastest), which is nnU-Net's (C, z, y, x) order.
    /// </summary>
    internal static VolumeBuffer<float> ReadVoxels(string path, Func<NiftiHeader, NiftiReadPlan> plan, out NiftiHeader header)
    {
        using Stream stream = OpenData(path, out long compressedLength, out GzipEndProbe? probe);
        header = ReadHeader(stream, path);
        NiftiReadPlan layout = plan(header);
        if (checked(layout.Channels * layout.Shape.Voxels) != header.VoxelCount)
        {
            throw new InvalidOperationException($"read plan of {layout.Channels} x {layout.Shape} does not cover the {header.VoxelCount} voxels of {path}");
        }

        long dataEnd = checked(header.VoxOffset + header.DataBytes);
        if (compressedLength < 0)
        {
            long fileLength = stream.Length;
            if (header.VoxOffset > fileLength)
            {
                throw new NiftiFormatException(path, "vox_offset", $"points past the end of the file ({header.VoxOffset} > {fileLength} bytes)");
            }

            if (dataEnd > fileLength)
            {
                throw new NiftiFormatException(path, "data", $"truncated: {header.VoxelCount} voxels need {header.DataBytes} bytes from offset {header.VoxOffset}, the file has {fileLength - header.VoxOffset}");
            }

            if (fileLength - dataEnd > TrailingBytesTolerated)
            {
                throw TooLong(path, header, $"{fileLength - dataEnd}");
            }
        }
        else if (dataEnd > checked((compressedLength * MaxDeflateRatio) + GzipSlackBytes))
        {
            throw new NiftiFormatException(path, "data", $"truncated or corrupt: the header claims {header.DataBytes} data bytes, more than a {compressedLength}-byte gzip stream can hold");
        }

        if (header.VoxelCount > Array.MaxLength)
        {
            throw new SegEngineException(SegErrorCode.MemoryBudget, $"{path}: {header.VoxelCount} voxels exceed the largest single buffer ({Array.MaxLength} elements)");
        }

        Skip(stream, header.VoxOffset - Position(header), path);
        VolumeBuffer<float> volume = VolumeBuffer<float>.Allocate(layout.Channels, layout.Shape);
        try
        {
            Decode(stream, header, layout.Conversion, volume.Span, path);
            if (probe is not null)
            {
                ExpectGzipEnd(stream, probe, header, path);
            }

            return volume;
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="header"/> (352 bytes: header plus the 4 extension bytes) and <paramref name="data"/> gzip-compressed:
    /// first to a temporary file in the same folder, then renamed over <paramref name="path"/>, so a failure never leaves a
    /// partial file under the final name.
    /// </summary>
    internal static void WriteAtomically(string path, ReadOnlySpan<byte> header, ReadOnlySpan<byte> data)
    {
        try
        {
            using AtomicFile output = AtomicFile.Create(path);
            using (var gzip = new GZipStream(output.Stream, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(header);
                gzip.Write(data);
            }

            output.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: could not write the segmentation: {e.Message}", e);
        }
    }

    private static FileStream OpenFile(string path) => InputFile.OpenRead(path, bufferSize: 1 << 16);

    /// <summary>
    /// The file, or its decompressed view when it starts with the gzip magic (then <paramref name="probe"/> sits between the
    /// file and the decoder); <paramref name="compressedLength"/> is -1 for plain files.
    /// </summary>
    private static Stream OpenData(string path, out long compressedLength, out GzipEndProbe? probe)
    {
        FileStream file = OpenFile(path);
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        if (got == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            compressedLength = file.Length;
            probe = new GzipEndProbe(file);
            return new GZipStream(probe, CompressionMode.Decompress, leaveOpen: false);
        }

        compressedLength = -1;
        probe = null;
        return file;
    }

    /// <summary>
    /// After the data: at most <see cref="TrailingBytesTolerated"/> more decompressed bytes, then a clean end of the last
    /// member (its trailer complete and matching), which the probe's own member proves by decoding to its payload. Nothing
    /// at all after arming is a clean end too: the decoder finished the last member and ignores the bytes after it that
    /// are not a gzip member (as gzip(1) does), so it never looks at the probe.
    /// </summary>
    private static void ExpectGzipEnd(Stream stream, GzipEndProbe probe, NiftiHeader header, string path)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long tail = 0;
            int got;
            while ((got = ReadFully(stream, scratch, path)) > 0)
            {
                tail += got;
                if (tail > TrailingBytesTolerated)
                {
                    throw TooLong(path, header, $"more than {TrailingBytesTolerated}");
                }
            }

            probe.Arm();
            int payload = GzipEndProbe.Payload.Length;
            got = ReadFully(stream, scratch.AsSpan(0, payload + 1), path);
            bool cleanEnd = got == 0 || (got == payload && scratch.AsSpan(0, payload).SequenceEqual(GzipEndProbe.Payload));
            if (!cleanEnd)
            {
                throw new NiftiFormatException(path, "gzip", "the compressed stream does not end with a complete gzip member (its trailer is missing or cut short)");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static NiftiFormatException TooLong(string path, NiftiHeader header, string extra) =>
        new(path, "data", $"{extra} bytes follow the {header.DataBytes} data bytes the header declares (at most {TrailingBytesTolerated} are ignored); the header does not describe this file");

    private static NiftiHeader ReadHeader(Stream stream, string path)
    {
        Span<byte> buffer = stackalloc byte[NiftiHeader.Nifti2HeaderSize];
        int got = ReadFully(stream, buffer[..NiftiHeader.SniffSize], path);
        int size = NiftiHeader.HeaderSizeFromSniff(buffer);
        if (got == NiftiHeader.SniffSize && size != 0)
        {
            got += ReadFully(stream, buffer[NiftiHeader.SniffSize..size], path);
        }

        return NiftiHeader.Parse(buffer[..got], path);
    }

    private static long Position(NiftiHeader header) =>
        header.Version == 1 ? NiftiHeader.Nifti1HeaderSize : NiftiHeader.Nifti2HeaderSize;

    private static void Skip(Stream stream, long count, string path)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (count > 0)
            {
                int step = (int)Math.Min(count, scratch.Length);
                if (ReadFully(stream, scratch.AsSpan(0, step), path) != step)
                {
                    throw new NiftiFormatException(path, "vox_offset", "points past the end of the data stream");
                }

                count -= step;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void Decode(Stream stream, NiftiHeader header, NiftiVoxelConversion conversion, Span<float> destination, string path)
    {
        int bytesPerVoxel = header.BytesPerVoxel;
        bool swap = header.IsLittleEndian != BitConverter.IsLittleEndian;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int voxelsPerChunk = ChunkBytes / bytesPerVoxel;
            long done = 0;
            while (done < header.VoxelCount)
            {
                int voxels = (int)Math.Min(voxelsPerChunk, header.VoxelCount - done);
                Span<byte> raw = chunk.AsSpan(0, voxels * bytesPerVoxel);
                int got = ReadFully(stream, raw, path);
                if (got != raw.Length)
                {
                    throw new NiftiFormatException(path, "data", $"truncated: {header.VoxelCount} voxels need {header.DataBytes} bytes, the stream ends after {(done * bytesPerVoxel) + got}");
                }

                conversion.Convert(raw, header.DataType, swap, destination.Slice((int)done, voxels));
                done += voxels;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; gzip damage becomes a <see cref="NiftiFormatException"/>.</summary>
    private static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // .NET reports a CRC-32 or size mismatch in a member's trailer with the same exception as damaged deflate data.
            throw new NiftiFormatException(path, "gzip", $"corrupt compressed stream (damaged deflate data, or a member whose CRC-32/size trailer is cut short or does not match): {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: read failed: {e.Message}", e);
        }
    }
}

/// <summary>What a reader decided from the header: the buffer layout (file order) and the voxel conversion.</summary>
internal readonly record struct NiftiReadPlan(int Channels, Shape3 Shape, NiftiVoxelConversion Conversion);
