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

    /// <summary>Reads and validates the header only.</summary>
    public static NiftiHeader ReadHeader(string path)
    {
        using VoxelStream stream = OpenData(path, out _, out _);
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
    /// voxel into a float32 volume buffer in file order (x fastest), which is nnU-Net's (C, z, y, x) order.
    /// </summary>
    internal static VolumeBuffer<float> ReadVoxels(string path, Func<NiftiHeader, NiftiReadPlan> plan, out NiftiHeader header)
    {
        using VoxelStream stream = OpenData(path, out long compressedLength, out long fileLength);
        header = ReadHeader(stream, path);
        NiftiReadPlan layout = plan(header);
        if (checked(layout.Channels * layout.Shape.Voxels) != header.VoxelCount)
        {
            throw new InvalidOperationException($"read plan of {layout.Channels} x {layout.Shape} does not cover the {header.VoxelCount} voxels of {path}");
        }

        long dataEnd = checked(header.VoxOffset + header.DataBytes);
        if (compressedLength < 0)
        {
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
                throw new NiftiFormatException(path, "data", VoxelStream.TooLong(header.DataBytes, $"{fileLength - dataEnd}"));
            }
        }
        else if (dataEnd > VoxelStream.MostDecompressedBytes(compressedLength))
        {
            throw new NiftiFormatException(path, "data", $"truncated or corrupt: the header claims {header.DataBytes} data bytes, more than a {compressedLength}-byte gzip stream can hold");
        }

        if (header.VoxelCount > Array.MaxLength)
        {
            throw new SegEngineException(SegErrorCode.MemoryBudget, $"{path}: {header.VoxelCount} voxels exceed the largest single buffer ({Array.MaxLength} elements)");
        }

        stream.Skip(header.VoxOffset - Position(header), "vox_offset", "points past the end of the data stream");
        VolumeBuffer<float> volume = VolumeBuffer<float>.Allocate(layout.Channels, layout.Shape);
        try
        {
            stream.Decode(header.DataType, header.IsLittleEndian != BitConverter.IsLittleEndian, layout.Conversion, volume.Span);
            stream.ExpectEnd(header.DataBytes);
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
    /// The file, or its decompressed view when it starts with the gzip magic; <paramref name="compressedLength"/> is -1 for
    /// plain files.
    /// </summary>
    private static VoxelStream OpenData(string path, out long compressedLength, out long fileLength)
    {
        FileStream file = OpenFile(path);
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        fileLength = file.Length;
        var errors = new DataErrors(path, "gzip", (field, problem, inner) => inner is null ? new NiftiFormatException(path, field, problem) : new NiftiFormatException(path, field, problem, inner));
        if (got == 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            compressedLength = fileLength;
            return VoxelStream.Gzip(file, errors);
        }

        compressedLength = -1;
        return VoxelStream.Plain(file, errors);
    }

    private static NiftiHeader ReadHeader(VoxelStream stream, string path)
    {
        Span<byte> buffer = stackalloc byte[NiftiHeader.Nifti2HeaderSize];
        int got = stream.ReadFully(buffer[..NiftiHeader.SniffSize]);
        int size = NiftiHeader.HeaderSizeFromSniff(buffer);
        if (got == NiftiHeader.SniffSize && size != 0)
        {
            got += stream.ReadFully(buffer[NiftiHeader.SniffSize..size]);
        }

        return NiftiHeader.Parse(buffer[..got], path);
    }

    private static long Position(NiftiHeader header) =>
        header.Version == 1 ? NiftiHeader.Nifti1HeaderSize : NiftiHeader.Nifti2HeaderSize;
}

/// <summary>What a reader decided from the header: the buffer layout (file order) and the voxel conversion.</summary>
internal readonly record struct NiftiReadPlan(int Channels, Shape3 Shape, NiftiVoxelConversion Conversion);
