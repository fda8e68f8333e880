using System.Buffers;
using System.IO.Compression;

namespace SegEngine.Model.Checkpoints;

/// <summary>
/// Reads tensor values out of a checkpoint's storage records (<c>&lt;archive&gt;/data/&lt;key&gt;</c>). Only the storage
/// range a tensor views is read, into pooled memory, and every size is checked against the record before anything is
/// allocated, so a forged numel or zip directory cannot make it allocate more than the tensor itself.
/// </summary>
/// <remarks>Storages are raw little-endian element arrays written by <c>torch.serialization._save</c> (nnunet-parity.md §1.4).</remarks>
internal sealed class TorchStorageReader : IDisposable
{
    private const int SkipChunkBytes = 1 << 16;

    private readonly ZipArchive zip;
    private readonly string path;
    private readonly string archiveName;
    private readonly long fileLength;

    private TorchStorageReader(ZipArchive zip, string path, string archiveName)
    {
        this.zip = zip;
        this.path = path;
        this.archiveName = archiveName;
        fileLength = new FileInfo(path).Length;
    }

    public static TorchStorageReader Open(TorchCheckpoint checkpoint)
    {
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(checkpoint.Path);
        }
        catch (InvalidDataException e)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{checkpoint.Path}: not a readable zip ({e.Message})", e);
        }

        return new TorchStorageReader(zip, checkpoint.Path, checkpoint.ArchiveName);
    }

    /// <summary>
    /// Copies <paramref name="tensor"/> (any strides) into <paramref name="destination"/> in C order, converted to float32.
    /// </summary>
    /// <param name="tensor">The tensor; its element count must equal the destination's length.</param>
    /// <param name="destination">Receives the values.</param>
    /// <param name="key">Names the tensor in errors, e.g. <c>network_weights.encoder.stem.convs.0.conv.weight</c>.</param>
    public void ReadSingles(TorchTensor tensor, Span<float> destination, string key)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(destination.Length, tensor.ElementCount, nameof(destination));
        if (!tensor.ElementType.IsFloatingPoint)
        {
            throw Invalid(key, $"holds {tensor.ElementType.StorageClass} values; network weights must be floating point");
        }

        if (destination.IsEmpty)
        {
            return;
        }

        int size = tensor.ElementType.Size;
        long byteCount = (tensor.StorageEnd - tensor.StorageOffset) * size;
        // torch stores records uncompressed, so no honest view is larger than the file that holds it.
        if (byteCount > Math.Min(Array.MaxLength, fileLength))
        {
            throw Invalid(key, $"views {byteCount} bytes of storage '{tensor.Storage.Key}', more than the {fileLength}-byte checkpoint holds");
        }

        string recordName = $"{archiveName}/data/{tensor.Storage.Key}";
        ZipArchiveEntry record = zip.GetEntry(recordName) ?? throw Invalid(key, $"its storage record {recordName} is missing");
        long expectedBytes = tensor.Storage.ElementCount * size;
        if (tensor.Storage.ElementCount > long.MaxValue / size || record.Length != expectedBytes)
        {
            throw Invalid(key, $"storage record {recordName} has {record.Length} bytes, but the pickle declares {tensor.Storage.ElementCount} {tensor.ElementType.StorageClass} elements ({expectedBytes} bytes)");
        }

        // Cannot overflow: the offset lies inside the storage, whose byte size was just checked to fit a long.
        long firstByte = tensor.StorageOffset * size;
        byte[] bytes = ArrayPool<byte>.Shared.Rent((int)byteCount);
        float[]? values = null;
        try
        {
            ReadRange(record, firstByte, bytes.AsSpan(0, (int)byteCount), key);
            if (tensor.IsContiguous)
            {
                tensor.ElementType.ConvertToSingle(bytes.AsSpan(0, (int)byteCount), destination);
                return;
            }

            long viewed = tensor.StorageEnd - tensor.StorageOffset;
            values = ArrayPool<float>.Shared.Rent((int)viewed);
            tensor.ElementType.ConvertToSingle(bytes.AsSpan(0, (int)byteCount), values.AsSpan(0, (int)viewed));
            Gather(values, tensor.Shape, tensor.Strides, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            if (values is not null)
            {
                ArrayPool<float>.Shared.Return(values);
            }
        }
    }

    public void Dispose() => zip.Dispose();

    private void ReadRange(ZipArchiveEntry record, long firstByte, Span<byte> destination, string key)
    {
        try
        {
            using Stream stream = record.Open();
            if (stream.CanSeek)
            {
                stream.Seek(firstByte, SeekOrigin.Begin);
            }
            else
            {
                byte[] chunk = ArrayPool<byte>.Shared.Rent(SkipChunkBytes);
                try
                {
                    for (long skipped = 0; skipped < firstByte;)
                    {
                        int read = stream.Read(chunk, 0, (int)Math.Min(SkipChunkBytes, firstByte - skipped));
                        skipped += read > 0 ? read : throw new EndOfStreamException();
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                }
            }

            stream.ReadExactly(destination);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw Invalid(key, $"its storage record {record.FullName} cannot be read ({e.Message})", e);
        }
    }

    /// <summary>Copies a strided view (strides relative to the start of <paramref name="source"/>) into C order.</summary>
    private static void Gather(ReadOnlySpan<float> source, long[] shape, long[] strides, Span<float> destination)
    {
        int rank = shape.Length;
        Span<long> index = stackalloc long[rank];
        long sourceOffset = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = source[(int)sourceOffset];
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                sourceOffset += strides[axis];
                if (++index[axis] < shape[axis])
                {
                    break;
                }

                sourceOffset -= strides[axis] * shape[axis];
                index[axis] = 0;
            }
        }
    }

    private SegEngineException Invalid(string key, string problem, Exception? inner = null) =>
        inner is null
            ? new(SegErrorCode.InvalidModel, $"{path}: {key}: {problem}")
            : new(SegErrorCode.InvalidModel, $"{path}: {key}: {problem}", inner);
}
