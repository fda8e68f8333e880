using SegEngine.Model.Checkpoints;

namespace SegEngine.Tests.Model.Checkpoints;

/// <summary>
/// Tensors and NumPy values of a checkpoint written by torch 1.13 / NumPy 1.24 (tests/fixtures/conversion/tensors.pth,
/// made by make_fixtures.py): dtypes, strided views, offsets, shared storages; and malformed tensor descriptions.
/// </summary>
public class TorchTensorTests
{
    private static readonly string FixturePath = Path.Combine(TestPaths.Fixtures, "conversion", "tensors.pth");

    [Fact]
    public void ReadsEveryTensorAsTorchsFloatDoes()
    {
        TorchCheckpoint checkpoint = TorchCheckpoint.Open(FixturePath);
        var root = Assert.IsType<PickleDict>(checkpoint.Root);
        var weights = Get<PickleDict>(root, "network_weights");
        var expected = Get<PickleDict>(root, "expected");
        using TorchStorageReader reader = TorchStorageReader.Open(checkpoint);

        Assert.Equal(8, weights.Count);
        foreach ((object? key, object? value) in weights.Entries)
        {
            string name = (string)key!;
            TorchTensor tensor = TorchTensor.FromPickle(value, name);
            float[] values = new float[tensor.ElementCount];
            reader.ReadSingles(tensor, values, name);

            float[] reference = Get<List<object?>>(expected, name).Select(v => (float)(double)v!).ToArray();
            Assert.True(reference.SequenceEqual(values), $"{name}: [{string.Join(", ", values)}] vs [{string.Join(", ", reference)}]");
        }

        TorchTensor transposed = TorchTensor.FromPickle(Get<object>(weights, "transposed"), "transposed");
        Assert.False(transposed.IsContiguous);
        Assert.Equal([6L, 4], transposed.Shape);
        Assert.Equal(8, TorchTensor.FromPickle(Get<object>(weights, "offset"), "offset").StorageOffset);
        Assert.Equal(TorchElementType.BFloat16, TorchTensor.FromPickle(Get<object>(weights, "bfloat"), "bfloat").ElementType);
        Assert.Empty(TorchTensor.FromPickle(Get<object>(weights, "scalar"), "scalar").Shape);
        Assert.Equal(
            TorchTensor.FromPickle(Get<object>(weights, "shared_a"), "a").Storage.Key,
            TorchTensor.FromPickle(Get<object>(weights, "shared_b"), "b").Storage.Key);
    }

    [Fact]
    public void DecodesTheNumPyValuesOfLogging()
    {
        var root = Assert.IsType<PickleDict>(TorchCheckpoint.Open(FixturePath).Root);
        var logging = Get<PickleDict>(root, "logging");

        Assert.Equal([0.25, 0.5, 0.8125], Get<List<object?>>(logging, "ema_fg_dice").Select(v => NumPyValues.Decode(v, "ema")));
        Assert.Equal(0.75, NumPyValues.Decode(Get<List<object?>>(logging, "mean_fg_dice")[0], "mean"));
        var counts = Assert.IsType<NumPyArrayValue>(NumPyValues.Decode(Get<object>(logging, "counts"), "counts"));
        Assert.Equal([2L, 3], counts.Shape);
        Assert.Equal([0.0, 1, 2, 3, 4, 5], counts.Values);
        var fortran = Assert.IsType<NumPyArrayValue>(NumPyValues.Decode(Get<object>(logging, "fortran"), "fortran"));
        Assert.Equal([0.0, 1, 2, 3, 4, 5], fortran.Values);
        Assert.Equal(0.01, NumPyValues.Decode(Get<List<object?>>(logging, "lrs")[0], "lrs"));

        CheckpointMetadata metadata = CheckpointMetadata.Read(FixturePath);
        Assert.Equal(0.8125, metadata.BestEmaDice);
        Assert.Equal(7, metadata.Epoch);
        Assert.Equal([0, 1, 2], metadata.MirroringAxes!);
    }

    [Theory]
    [InlineData("torch._utils", "_rebuild_tensor_v2", 5, 0, new long[] { 2, 3 }, new long[] { 3, 1 }, "storage elements up to 6")]
    [InlineData("torch._utils", "_rebuild_tensor_v2", 5, 2, new long[] { 2, 2 }, new long[] { 2, 1 }, "storage elements up to 6")]
    [InlineData("torch._utils", "_rebuild_tensor_v2", 100, 0, new long[] { 2, 3 }, new long[] { 3 }, "2 sizes but 1 strides")]
    [InlineData("torch._utils", "_rebuild_tensor_v2", 100, -1, new long[] { 2 }, new long[] { 1 }, "storage_offset")]
    [InlineData("torch._utils", "_rebuild_tensor_v2", 100, 0, new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "at most 8")]
    [InlineData("torch._utils", "_rebuild_tensor_v2", 1L << 62, 0, new long[] { 1L << 40, 1L << 40 }, new long[] { 1L << 40, 1 }, "overflows")]
    [InlineData("torch", "device", 100, 0, new long[] { 2 }, new long[] { 1 }, "unknown global torch.device")]
    public void MalformedTensorDescriptionsNameTheKey(string module, string name, long storageElements, long offset, long[] shape, long[] strides, string expected)
    {
        var pickle = new PickleWriter();
        pickle.Global(module, name);
        pickle.Mark();
        pickle.Mark();
        pickle.String("storage");
        pickle.Global("torch", "FloatStorage");
        pickle.String("0");
        pickle.String("cpu");
        pickle.Int(storageElements);
        pickle.Tuple();
        pickle.PersistentId();
        pickle.Int(offset);
        Tuple(pickle, shape);
        Tuple(pickle, strides);
        pickle.Bool(false);
        pickle.EmptyTuple();
        pickle.Tuple();
        pickle.Reduce();
        object? value = PickleReader.Read(pickle.Finish(), "test.pkl");

        var error = Assert.Throws<SegEngineException>(() => TorchTensor.FromPickle(value, "ckpt.pth: network_weights.some.key"));
        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.StartsWith("ckpt.pth: network_weights.some.key: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonTensorsAndMalformedNumPyValuesAreErrors()
    {
        Assert.Contains("not a tensor", Assert.Throws<SegEngineException>(() => TorchTensor.FromPickle(3.5, "k")).Message);

        var pickle = new PickleWriter();
        pickle.Global("numpy.core.multiarray", "scalar");
        pickle.Mark();
        pickle.Global("numpy", "dtype");
        pickle.Mark();
        pickle.String("f8");
        pickle.Bool(false);
        pickle.Bool(true);
        pickle.Tuple();
        pickle.Reduce();
        pickle.String("abc");
        pickle.Tuple();
        pickle.Reduce();
        object? scalar = PickleReader.Read(pickle.Finish(), "test.pkl");

        Assert.Contains("not bytes", Assert.Throws<SegEngineException>(() => NumPyValues.Decode(scalar, "logging.x")).Message);
    }

    [Fact]
    public void BigEndianStoragesAreUnsupported()
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "checkpoint_final.pth");
        var pickle = new PickleWriter();
        pickle.EmptyDict();
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            using (Stream stream = zip.CreateEntry("checkpoint_final/data.pkl").Open())
            {
                stream.Write(pickle.Finish());
            }

            using Stream order = zip.CreateEntry("checkpoint_final/byteorder").Open();
            order.Write("big"u8);
        }

        var error = Assert.Throws<SegEngineException>(() => CheckpointMetadata.Read(path));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains("checkpoint_final/byteorder", error.Message, StringComparison.Ordinal);
    }

    private static void Tuple(PickleWriter pickle, long[] values)
    {
        pickle.Mark();
        foreach (long value in values)
        {
            pickle.Int(value);
        }

        pickle.Tuple();
    }

    private static T Get<T>(PickleDict dict, string key)
    {
        Assert.True(dict.TryGetValue(key, out object? value), $"no key {key}");
        return Assert.IsType<T>(value, exactMatch: false);
    }
}
