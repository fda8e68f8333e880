using System.Buffers;
using System.IO.Compression;

namespace SegEngine.Io.Itk;

/// <summary>
/// Reads the voxels a parsed header locates into a pooled float32 buffer in file order (x fastest: nnU-Net's (C, z, y, x)
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
    private const long MaxDeflateRatio = 1032;

    private const long CompressedSlackBytes = 1 << 20;

    private const int ChunkBytes = 1 << 18;

    private static readonly NiftiVoxelConversion AsSingle = new(Scale: false, Slope: 1, Intercept: 0, IntegersToSingleFirst: true, AlwaysApplyBoth: false);

    public static VolumeBuffer<float> Read(ItkImageHeader h, int channels, Shape3 shape)
    {
        if (checked(channels * shape.Voxels) != h.VoxelCount)
        {
            throw new InvalidOperationException($"a layout of {channels} x {shape} does not cover the {h.VoxelCount} voxels of {h.Path}");
        }

        using FileStream file = InputFile.OpenRead(h.DataPath, bufferSize: 1 << 16);
        long length = file.Length;
        using Stream data = Open(h, file, length);

        // After the bounds checks: a truncated file is reported as such, not as an image too large to hold.
        if (h.VoxelCount > Array.MaxLength)
        {
            throw new SegEngineException(SegErrorCode.MemoryBudget, $"{h.Path}: {h.VoxelCount} voxels exceed the largest single buffer ({Array.MaxLength} elements)");
        }

        Skip(data, h.SkipAfterDecompression, h);
        VolumeBuffer<float> volume = VolumeBuffer<float>.Allocate(channels, shape);
        try
        {
            Decode(data, h, volume.Span);
            if (h.Encoding != ItkDataEncoding.Raw)
            {
                ExpectEnd(data, h);
            }

            return volume;
        }
        catch
        {
            volume.Dispose();
            throw;
        }
    }

    /// <summary>The stream of voxel bytes, positioned at the first one, after the bounds checks that precede any allocation.</summary>
    private static Stream Open(ItkImageHeader h, FileStream file, long length)
    {
        if (h.Encoding == ItkDataEncoding.Raw)
        {
            long start = h.DataOffset >= 0 ? h.DataOffset : length - h.DataBytes;
            if (start < 0 || start > length || length - start < h.DataBytes)
            {
                throw new ItkFormatException(
                    h.DataPath, h.Format, "data", $"truncated: {h.VoxelCount} voxels need {h.DataBytes} bytes from offset {Math.Max(start, 0)}, the file has {length} bytes");
            }

            if (length - start - h.DataBytes > NiftiFile.TrailingBytesTolerated)
            {
                throw new ItkFormatException(
                    h.DataPath, h.Format, "data", $"{length - start - h.DataBytes} bytes follow the {h.DataBytes} data bytes the header declares (at most {NiftiFile.TrailingBytesTolerated} are ignored); the header does not describe this file");
            }

            file.Position = start;
            return file;
        }

        if (h.DataOffset > length)
        {
            throw new ItkFormatException(h.DataPath, h.Format, "data", $"the compressed data should start at offset {h.DataOffset}, the file has {length} bytes");
        }

        long available = length - h.DataOffset;
        if (h.CompressedBytes > available)
        {
            throw new ItkFormatException(h.Path, h.Format, "CompressedDataSize", $"{h.CompressedBytes} bytes declared, the file has {available} after the header");
        }

        long compressed = h.CompressedBytes >= 0 ? h.CompressedBytes : available;
        long needed = checked(h.DataBytes + h.SkipAfterDecompression);
        if (needed > checked((compressed * MaxDeflateRatio) + CompressedSlackBytes))
        {
            throw new ItkFormatException(
                h.DataPath, h.Format, "data", $"truncated or corrupt: the header claims {needed} data bytes, more than {compressed} compressed bytes can hold");
        }

        file.Position = h.DataOffset;
        Stream source = h.CompressedBytes >= 0 ? new BoundedStream(file, compressed) : file;
        return h.Encoding == ItkDataEncoding.Gzip
            ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: true)
            : new ZLibStream(source, CompressionMode.Decompress, leaveOpen: true);
    }

    private static void Decode(Stream stream, ItkImageHeader h, Span<float> destination)
    {
        int bytesPerVoxel = h.BytesPerVoxel;
        bool swap = h.BigEndian == BitConverter.IsLittleEndian;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int voxelsPerChunk = ChunkBytes / bytesPerVoxel;
            long done = 0;
            while (done < h.VoxelCount)
            {
                int voxels = (int)Math.Min(voxelsPerChunk, h.VoxelCount - done);
                Span<byte> raw = chunk.AsSpan(0, voxels * bytesPerVoxel);
                int got = ReadFully(stream, raw, h);
                if (got != raw.Length)
                {
                    throw new ItkFormatException(
                        h.DataPath, h.Format, "data", $"truncated: {h.VoxelCount} voxels need {h.DataBytes} bytes, the data ends after {(done * bytesPerVoxel) + got}");
                }

                AsSingle.Convert(raw, h.ComponentType, swap, destination.Slice((int)done, voxels));
                done += voxels;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static void Skip(Stream stream, long count, ItkImageHeader h)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (count > 0)
            {
                int step = (int)Math.Min(count, scratch.Length);
                if (ReadFully(stream, scratch.AsSpan(0, step), h) != step)
                {
                    throw new ItkFormatException(h.Path, h.Format, "byte skip", "skips past the end of the decompressed data");
                }

                count -= step;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>Decompresses what follows the voxels, so that a damaged stream is caught, refusing more than the tolerated tail.</summary>
    private static void ExpectEnd(Stream stream, ItkImageHeader h)
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            long tail = 0;
            int got;
            while ((got = ReadFully(stream, scratch, h)) > 0)
            {
                tail += got;
                if (tail > NiftiFile.TrailingBytesTolerated)
                {
                    throw new ItkFormatException(
                        h.DataPath, h.Format, "data", $"more than {NiftiFile.TrailingBytesTolerated} decompressed bytes follow the {h.DataBytes} data bytes the header declares; the header does not describe this file");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static int ReadFully(Stream stream, Span<byte> buffer, ItkImageHeader h)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            string field = h.Encoding == ItkDataEncoding.Gzip ? "gzip" : "zlib";
            throw new ItkFormatException(h.DataPath, h.Format, field, $"corrupt compressed stream: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{h.DataPath}: read failed: {e.Message}", e);
        }
    }
}
