using System.IO.Compression;

namespace SegEngine.Model.Checkpoints;

/// <summary>
/// A zip-format <c>torch.save</c> file: one folder <c>&lt;archive&gt;/</c> holding <c>data.pkl</c> (the object tree)
/// and <c>data/&lt;key&gt;</c> (the raw tensor storages). Opening it unpickles <c>data.pkl</c> into inert values;
/// storages are only referenced (<see cref="PickleStorage"/>), never read here.
/// </summary>
/// <remarks>Layout written by <c>torch.serialization._save</c> (torch ≥ 1.6); nnunet-parity.md §1.4.</remarks>
internal sealed class TorchCheckpoint
{
    /// <summary>The largest <c>data.pkl</c> accepted. Even XL checkpoints with optimizer state pickle to a few MiB.</summary>
    internal const long MaxPickleBytes = 256L << 20;

    private TorchCheckpoint(string path, string archiveName, object? root)
    {
        Path = path;
        ArchiveName = archiveName;
        Root = root;
    }

    public string Path { get; }

    /// <summary>The archive's top folder name (storages live under <c>{ArchiveName}/data/</c>).</summary>
    public string ArchiveName { get; }

    /// <summary>The unpickled object (for nnU-Net, a <see cref="PickleDict"/>).</summary>
    public object? Root { get; }

    public static TorchCheckpoint Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"missing file {path}");
        }

        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"{path}: not a zip-format torch checkpoint (legacy torch.save files from torch < 1.6 are not supported): {e.Message}",
                e);
        }

        using (zip)
        {
            ZipArchiveEntry pickle = FindPickle(zip, path);
            string archiveName = pickle.FullName[..pickle.FullName.IndexOf('/', StringComparison.Ordinal)];
            string source = $"{path}:{pickle.FullName}";
            CheckByteOrder(zip, archiveName, path);
            byte[] bytes = ReadEntry(pickle, source);
            return new TorchCheckpoint(path, archiveName, PickleReader.Read(bytes, source));
        }
    }

    private static ZipArchiveEntry FindPickle(ZipArchive zip, string path)
    {
        ZipArchiveEntry? found = null;
        foreach (ZipArchiveEntry entry in zip.Entries)
        {
            string name = entry.FullName;
            int slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && name.AsSpan(slash + 1).SequenceEqual("data.pkl"))
            {
                if (found is not null)
                {
                    throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: more than one data.pkl ({found.FullName}, {name})");
                }

                found = entry;
            }
        }

        return found ?? throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: no <archive>/data.pkl inside; not a torch.save checkpoint");
    }

    /// <summary>torch ≥ 1.13 may record the storages' byte order; only little-endian storages are read.</summary>
    private static void CheckByteOrder(ZipArchive zip, string archiveName, string path)
    {
        if (zip.GetEntry($"{archiveName}/byteorder") is not { } record)
        {
            return;
        }

        if (record.Length > 16)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: {record.FullName}: {record.Length} bytes, expected 'little' or 'big'");
        }

        string order = System.Text.Encoding.ASCII.GetString(ReadEntry(record, $"{path}:{record.FullName}")).Trim();
        if (order != "little")
        {
            throw new SegEngineException(SegErrorCode.Unsupported, $"{path}: {record.FullName}: the storages are '{order}'-endian; only little-endian checkpoints are read");
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string source)
    {
        if (entry.Length > MaxPickleBytes)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{source}: {entry.Length} bytes, more than the {MaxPickleBytes} accepted");
        }

        byte[] bytes = new byte[entry.Length];
        try
        {
            using Stream stream = entry.Open();
            stream.ReadExactly(bytes);
            if (stream.ReadByte() >= 0)
            {
                throw new SegEngineException(SegErrorCode.InvalidModel, $"{source}: longer than the {entry.Length} bytes the zip directory declares");
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{source}: cannot be read from the zip ({e.Message})", e);
        }

        return bytes;
    }
}
