namespace SegEngine.Io.Itk;

/// <summary>
/// Reads the voxels a parsed header locates into a float32 volume buffer in file order (x fastest: nnU-Net's (C, z, y, x)
/// after <c>GetArrayFromImage</c>), converting as numpy's float32 cast of ITK's native array does (each value rounded once).
/// Nothing is allocated before the file is known to hold the declared data: raw data must fit in the file, and compressed
/// data cannot claim more than deflate's maximum ratio allows for the compressed bytes present.
/// </summary>
/// <remarks>
/// ITK reads exactly the declared bytes and ignores the rest; the engine accepts up to
/// <see cref="NiftiFile.TrailingBytesTolerated"/> bytes after the voxels (raw) or after them in the decompressed stream, and
/// refuses more, as the header then does not describe the file. A damaged compressed stream is an error.
/// </remarks>
internal static class ItkVoxelReader
{
    private static readonly NiftiVoxelConversion AsSingle = new(Scale: false, Slope: 1, Intercept: 0, IntegersToSingleFirst: true, AlwaysApplyBoth: false);

    public static VolumeBuffer<float> Read(ItkImageHeader h, int channels, Shape3 shape)
    {
        if (checked(channels * shape.Voxels) != h.VoxelCount)
        {
            throw new InvalidOperationException($"a layout of {channels} x {shape} does not cover the {h.VoxelCount} voxels of {h.Path}");
        }

        using FileStream file = InputFile.OpenRead(h.DataPath, bufferSize: 1 << 16);
        using VoxelStream data = Open(h, file, file.Length);

        // After the bounds checks: a truncated file is reported as such, not as an image too large to hold.
        if (h.VoxelCount > Array.MaxLength)
        {
            throw new SegEngineException(SegErrorCode.MemoryBudget, $"{h.Path}: {h.VoxelCount} voxels exceed the largest single buffer ({Array.MaxLength} elements)");
        }

        data.Skip(h.SkipAfterDecompression, "byte skip", "skips past the end of the decompressed data");
        VolumeBuffer<float> volume = VolumeBuffer<float>.Allocate(channels, shape);
        try
        {
            data.Decode(h.ComponentType, h.BigEndian == BitConverter.IsLittleEndian, AsSingle, volume.Span);
            data.ExpectEnd(h.DataBytes);
            return volume;
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    }

    /// <summary>The stream of voxel bytes, positioned at the first one, after the bounds checks that precede any allocation.</summary>
    private static VoxelStream Open(ItkImageHeader h, FileStream file, long length)
    {
        string compression = h.Encoding == ItkDataEncoding.Zlib ? "zlib" : "gzip";
        var errors = new DataErrors(
            h.DataPath, compression, (field, problem, inner) => inner is null
                ? new ItkFormatException(h.DataPath, h.Format, field, problem)
                : new ItkFormatException(h.DataPath, h.Format, field, problem, inner));
        if (h.Encoding == ItkDataEncoding.Raw)
        {
            long start = h.DataOffset >= 0 ? h.DataOffset : length - h.DataBytes;
            if (start < 0 || start > length || length - start < h.DataBytes)
            {
                throw errors.Invalid("data", $"truncated: {h.VoxelCount} voxels need {h.DataBytes} bytes from offset {Math.Max(start, 0)}, the file has {length} bytes", null);
            }

            if (length - start - h.DataBytes > NiftiFile.TrailingBytesTolerated)
            {
                throw errors.Invalid("data", VoxelStream.TooLong(h.DataBytes, $"{length - start - h.DataBytes}"), null);
            }

            file.Position = start;
            return VoxelStream.Plain(file, errors);
        }

        if (h.DataOffset > length)
        {
            throw errors.Invalid("data", $"the compressed data should start at offset {h.DataOffset}, the file has {length} bytes", null);
        }

        long available = length - h.DataOffset;
        if (h.CompressedBytes > available)
        {
            throw new ItkFormatException(h.Path, h.Format, "CompressedDataSize", $"{h.CompressedBytes} bytes declared, the file has {available} after the header");
        }

        long compressed = h.CompressedBytes >= 0 ? h.CompressedBytes : available;
        long needed = checked(h.DataBytes + h.SkipAfterDecompression);
        if (needed > VoxelStream.MostDecompressedBytes(compressed))
        {
            throw errors.Invalid("data", $"truncated or corrupt: the header claims {needed} data bytes, more than {compressed} compressed bytes can hold", null);
        }

        file.Position = h.DataOffset;
        Stream source = h.CompressedBytes >= 0 ? new BoundedStream(file, compressed) : file;
        return h.Encoding == ItkDataEncoding.Gzip ? VoxelStream.Gzip(source, errors) : VoxelStream.Zlib(source, errors);
    }
}
