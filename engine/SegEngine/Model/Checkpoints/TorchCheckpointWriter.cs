using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using SegEngine.Io;

namespace SegEngine.Model.Checkpoints;

/// <summary>One float32 tensor to save: a name, a shape, and the values written on demand.</summary>
/// <param name="Name">The state_dict key.</param>
/// <param name="Shape">The shape (C-contiguous strides are written).</param>
/// <param name="StorageKey">The storage record; aliases of one parameter share it, as torch's own files do.</param>
/// <param name="Fill">Writes the values in C order into a span of the element count.</param>
internal sealed record TorchTensorToSave(string Name, int[] Shape, string StorageKey, Action<Span<float>> Fill);

/// <summary>
/// Writes an nnU-Net checkpoint the way <c>torch.save</c> lays one out: a zip of <c>&lt;archive&gt;/data.pkl</c>
/// (protocol 2), one uncompressed <c>&lt;archive&gt;/data/&lt;key&gt;</c> record per storage, and <c>&lt;archive&gt;/version</c>.
/// </summary>
/// <remarks>
/// The dict holds what <c>nnUNetPredictor.initialize_from_trained_model_folder</c> reads (nnunet-parity.md §1.4):
/// <c>network_weights</c> (an OrderedDict of <c>torch._utils._rebuild_tensor_v2</c> tensors), <c>init_args</c> with the
/// configuration, fold and a <c>torch.device</c>, <c>trainer_name</c>, <c>inference_allowed_mirroring_axes</c> and
/// <c>current_epoch</c>. The written file is replaced atomically.
/// </remarks>
internal static class TorchCheckpointWriter
{
    public static void Write(string path, IReadOnlyList<TorchTensorToSave> weights, string configuration, string fold, string trainerName, int[]? mirroringAxes)
    {
        ArgumentNullException.ThrowIfNull(weights);
        string archive = Path.GetFileNameWithoutExtension(path);
        var pickle = new PickleWriter();
        pickle.EmptyDict();
        pickle.Mark();

        pickle.String("network_weights");
        OrderedDict(pickle);
        pickle.Mark();
        foreach (TorchTensorToSave tensor in weights)
        {
            pickle.String(tensor.Name);
            Tensor(pickle, tensor);
        }

        pickle.SetItems();

        pickle.String("current_epoch");
        pickle.Int(0);
        pickle.String("init_args");
        pickle.EmptyDict();
        pickle.Mark();
        pickle.String("configuration");
        pickle.String(configuration);
        pickle.String("fold");
        if (long.TryParse(fold, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long foldNumber))
        {
            pickle.Int(foldNumber);
        }
        else
        {
            pickle.String(fold);
        }

        pickle.String("device");
        pickle.Global("torch", "device");
        pickle.Mark();
        pickle.String("cpu");
        pickle.Tuple();
        pickle.Reduce();
        pickle.SetItems();

        pickle.String("trainer_name");
        pickle.String(trainerName);
        pickle.String("inference_allowed_mirroring_axes");
        if (mirroringAxes is null)
        {
            pickle.None();
        }
        else
        {
            pickle.Mark();
            foreach (int axis in mirroringAxes)
            {
                pickle.Int(axis);
            }

            pickle.Tuple();
        }

        pickle.SetItems();
        byte[] data = pickle.Finish();

        using AtomicFile output = AtomicFile.Create(path);
        using (var zip = new ZipArchive(output.Stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            WriteEntry(zip, $"{archive}/data.pkl", stream => stream.Write(data));
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (TorchTensorToSave tensor in weights)
            {
                if (written.Add(tensor.StorageKey))
                {
                    WriteEntry(zip, $"{archive}/data/{tensor.StorageKey}", stream => WriteValues(stream, tensor));
                }
            }

            WriteEntry(zip, $"{archive}/version", stream => stream.Write("3\n"u8));
        }

        output.Commit();
    }

    private static void OrderedDict(PickleWriter pickle)
    {
        pickle.Global("collections", "OrderedDict");
        pickle.EmptyTuple();
        pickle.Reduce();
    }

    /// <summary><c>_rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())</c> with a C-contiguous stride.</summary>
    private static void Tensor(PickleWriter pickle, TorchTensorToSave tensor)
    {
        pickle.Global("torch._utils", "_rebuild_tensor_v2");
        pickle.Mark();
        pickle.Mark();
        pickle.String("storage");
        pickle.Global("torch", "FloatStorage");
        pickle.String(tensor.StorageKey);
        pickle.String("cpu");
        pickle.Int(tensor.Shape.Aggregate(1L, (a, b) => a * b));
        pickle.Tuple();
        pickle.PersistentId();
        pickle.Int(0);
        pickle.Mark();
        foreach (int size in tensor.Shape)
        {
            pickle.Int(size);
        }

        pickle.Tuple();
        pickle.Mark();
        long stride = 1;
        long[] strides = new long[tensor.Shape.Length];
        for (int axis = strides.Length - 1; axis >= 0; axis--)
        {
            strides[axis] = stride;
            stride *= tensor.Shape[axis];
        }

        foreach (long value in strides)
        {
            pickle.Int(value);
        }

        pickle.Tuple();
        pickle.Bool(false);
        OrderedDict(pickle);
        pickle.Tuple();
        pickle.Reduce();
    }

    private static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
    {
        using Stream stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        write(stream);
    }

    private static void WriteValues(Stream stream, TorchTensorToSave tensor)
    {
        int count = tensor.Shape.Aggregate(1, (a, b) => checked(a * b));
        float[] values = ArrayPool<float>.Shared.Rent(count);
        try
        {
            tensor.Fill(values.AsSpan(0, count));
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan(0, count)));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }
    }
}
